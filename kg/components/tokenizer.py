"""Tokenisation that keeps ML names whole.

spaCy's English tokenizer splits ``Llama-3.1-8B-Instruct`` at every hyphen and
``ImageNet-1K`` before the ``K``. We add a ``token_match`` that keeps a
whitespace-delimited chunk whole when it is *name-shaped* (has a digit, an ``@``,
two capitals or a camel hump), so ``GPT-4o``, ``Qwen2.5-VL``, ``pass@1``, ``R@1``,
``3D-Front`` and ``SE(3)-Transformer`` stay one token. A chunk whose last hyphen part
is an ordinary lower-case word (``LLM-based``, ``CLIP-guided``) is still split, so
the name can be found on its own.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from spacy.language import Language
from spacy.util import compile_suffix_regex
from spacy.tokens import Doc

#: Characters allowed inside a name-shaped token; parentheses only around digits: SE(3).
_BODY = r"(?:[A-Za-z0-9+@_/]|\(\d+\)|[.\-:](?=[A-Za-z0-9(]))"
_NAME_RE = re.compile(rf"^[A-Za-z0-9]{_BODY}*(?:[A-Za-z0-9+]|\(\d+\))$")
#: Sentence-final period after a name (``GPT-4V.``, ``MMLU.``): spaCy keeps it on
#: tokens ending in a capital to protect abbreviations; specials such as ``U.S.`` still win.
_EXTRA_SUFFIXES = (r"(?<=[0-9][A-Za-z])\.$", r"(?<=[A-Z]{2})\.$", r"(?<=[0-9]D)\.$")
_SHAPE_RE = re.compile(r"\d|@|[A-Z][^A-Z]*[A-Z]|[a-z][A-Z]")
#: Lower-case final parts that still belong to a model name (``GPT-4-turbo``, ``BERT-base``).
_NAME_SUFFIXES = frozenset(
    "base large small tiny mini medium huge xl xxl instruct chat turbo preview pro plus max "
    "ultra lite flash nano uncased cased hf it coder vision".split()
)


@lru_cache(maxsize=65536)
def is_name_token(text: str) -> bool:
    """Return True when ``text`` should be kept as one token (an ML name shape).

    >>> is_name_token("Llama-3.1-8B-Instruct"), is_name_token("LLM-based")
    (True, False)
    """
    if not _NAME_RE.match(text) or not _SHAPE_RE.search(text):
        return False
    if "(" in text and not re.search(r"\(\d+\)-", text):
        return False  # "f(3)" alone is maths, not a name
    if text[0].isdigit() and not re.search(r"[A-Za-z]{2}", text):
        return False  # "2x", "3.5", "1e-4": numbers
    parts = re.split(r"[-:/]", text)
    last = parts[-1]
    if len(parts) > 1 and last.isalpha() and last.islower() and len(last) >= 3:
        return last in _NAME_SUFFIXES
    if len(parts) > 1 and parts[0].isalpha() and parts[0].islower() and len(parts[0]) >= 4:
        return False  # "text-to-3D", "state-of-the-art"-like compounds stay split
    return True


def ml_token_match(base: Callable[[str], object] | None = None) -> Callable[[str], bool]:
    """Return a ``token_match`` that accepts name-shaped chunks, then defers to ``base``."""

    def token_match(text: str) -> bool:
        if is_name_token(text):
            return True
        return bool(base(text)) if base is not None else False

    return token_match


def configure_tokenizer(nlp: Language) -> Language:
    """Install the ML-name ``token_match`` on ``nlp.tokenizer`` (idempotent) and return ``nlp``."""
    tok = nlp.tokenizer
    if getattr(tok.token_match, "kg_ml_names", False):
        return nlp
    suffixes = list(nlp.Defaults.suffixes or ()) + list(_EXTRA_SUFFIXES)
    tok.suffix_search = compile_suffix_regex(suffixes).search
    match = ml_token_match(tok.token_match)
    match.kg_ml_names = True  # type: ignore[attr-defined]
    tok.token_match = match
    return nlp


@Language.factory("kg_ml_tokens")
class MLNameTokens:
    """Pipeline marker that installs the ML-name tokenizer rules when added.

    Tokenisation happens before any pipe runs, so the work is done once in
    ``__init__``; the component itself passes docs through unchanged. Adding it
    with ``nlp.add_pipe("kg_ml_tokens", first=True)`` records the choice in the config.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        configure_tokenizer(nlp)
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        return doc
