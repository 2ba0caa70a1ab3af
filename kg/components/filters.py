"""Filters for what is not an entity (GUIDELINE.md): broad classes (``LLMs``), generic
phrases (``our method``), numbers, model sizes alone, organisations and URLs."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.components.lexicon import norm_key, singular_key, stop_keys

_NUMBERISH_RE = re.compile(r"^[\d.,%x×+\-/]+[BMKbmk%]?$")
_GENERIC_START = frozenset({"our", "their", "its", "this", "these", "those", "such", "proposed", "existing"})
_URL_RE = re.compile(r"https?://|www\.|\.com\b|\.org\b|\.io\b")
#: Accelerator product names (hardware is not a research entity): GTX1080ti, RTX 4090, A100, H100.
_HARDWARE_RE = re.compile(r"^(nvidia\s*)?(gtx|rtx|titan|tesla|quadro|geforce)[\s-]*\w*\d|^[ahlv]\d{2,4}(\s*gpus?)?$|^tpu", re.I)


def rejection_reason(span: Span) -> str | None:
    """Return why ``span`` is not an entity, or None when it may be one."""
    text = span.text
    key = norm_key(text)
    if not key or len(key) < 2:
        return "too short"
    if key in stop_keys() or singular_key(key) in stop_keys():
        return "broad or generic"
    if _NUMBERISH_RE.match(text.replace(" ", "")):
        return "number or size"
    if _URL_RE.search(text):
        return "url"
    if _HARDWARE_RE.match(text):
        return "hardware"
    if span[0].lower_ in _GENERIC_START:
        return "generic phrase"
    if any(c in text for c in "={}<>|\\$^") or re.fullmatch(r"[A-Za-z]{1,2}_\w{1,3}", text):
        return "maths"
    if re.fullmatch(r"[A-Za-z]+-\d+", text) and text.split("-")[0].islower():
        return "maths"  # "mod-10", "top-5" alone
    if len(span) > 10:
        return "too long"
    if len(span) > 2 and text.islower() and norm_key(span[:-1].text) in stop_keys():
        return "broad class + head"  # "neural network training", "language model alignment"
    # trailing generic head on a lower-case phrase: "the proposed methods", "two tasks"
    return None


def is_entity_candidate(span: Span) -> bool:
    """Return True when no filter rejects ``span``."""
    return rejection_reason(span) is None


@Language.factory("kg_filters")
class EntityFilter:
    """Drop rejected candidates from ``doc._.kg_candidates``; keep them in ``doc._.kg_rejected``."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        Doc.set_extension("kg_candidates", default=[], force=True)
        Doc.set_extension("kg_rejected", default=[], force=True)

    def __call__(self, doc: Doc) -> Doc:
        kept, rejected = [], []
        for span in doc._.kg_candidates:
            reason = rejection_reason(span)
            (kept if reason is None else rejected).append(span if reason is None else (span, reason))
        doc._.kg_candidates = kept
        doc._.kg_rejected = rejected
        return doc
