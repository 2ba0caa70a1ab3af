"""Gazetteer of well-known ML entities matched with a PhraseMatcher.

The list lives in ``kg/data/gazetteer.tsv`` (header ``name\ttype\taliases``, aliases
``|``-separated). Matching is case-insensitive, but a name written with capitals in
the gazetteer must not match an all-lower-case word in the text (``Bard`` vs "bard"),
and short names (≤ 3 characters) must match their exact case.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.model import ENTITY_TYPES


@dataclass(frozen=True)
class GazetteerEntry:
    """One gazetteer row: the canonical name, its type and aliases."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()


def default_gazetteer_path() -> Path | None:
    """Return the packaged ``kg/data/gazetteer.tsv`` if it exists."""
    path = Path(str(resources.files("kg.data").joinpath("gazetteer.tsv")))
    return path if path.is_file() else None


def read_gazetteer(path: Path) -> list[GazetteerEntry]:
    """Read a gazetteer TSV; rows with an unknown type raise ``ValueError`` naming the line."""
    entries: list[GazetteerEntry] = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header[:2]] != ["name", "type"]:
            raise ValueError(f"{path}: line 1: expected header 'name\\ttype\\taliases'")
        for lineno, row in enumerate(reader, start=2):
            if not row or not row[0].strip() or row[0].startswith("#"):
                continue
            if len(row) < 2 or row[1].strip() not in ENTITY_TYPES:
                raise ValueError(f"{path}: line {lineno}: bad type {row[1:2]!r}")
            aliases = tuple(a.strip() for a in (row[2] if len(row) > 2 else "").split("|") if a.strip())
            entries.append(GazetteerEntry(row[0].strip(), row[1].strip(), aliases))
    return entries


#: Types whose names are common-noun terms, written in any case ("transformer", "Transformer").
_TERM_TYPES = frozenset({"Method", "Task", "Metric"})


def case_compatible(pattern: str, text: str, etype: str = "Model") -> bool:
    """Return True when ``text`` may be an occurrence of gazetteer name ``pattern`` of type ``etype``.

    Short names (≤ 3 characters) must match exactly; a capitalised name of a model,
    dataset or benchmark must not match an all-lower-case word (``Bard`` vs "bard").
    """
    if len(pattern) <= 3:
        return pattern == text
    if etype in _TERM_TYPES and pattern.replace("-", " ").split()[0][1:].islower():
        return True
    if any(c.isupper() for c in pattern) and text.islower():
        return False
    return True


def title_variant(form: str) -> str:
    """Return ``form`` with every word and hyphen part capitalised (``Text-To-Image Generation``)."""
    return " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in form.split(" "))


@Language.factory("kg_gazetteer", default_config={"path": None})
class GazetteerMatcher:
    """Find gazetteer names; sets ``doc._.gazetteer_matches`` and ``span._.gazetteer``.

    ``span._.gazetteer`` is the matching :class:`GazetteerEntry`. ``path`` defaults to
    the packaged gazetteer; without one the component matches nothing.
    """

    def __init__(self, nlp: Language, name: str, path: str | None = None,
                 entries: list[GazetteerEntry] | None = None) -> None:
        self.name = name
        Doc.set_extension("gazetteer_matches", default=[], force=True)
        Span.set_extension("gazetteer", default=None, force=True)
        if entries is None:
            gpath = Path(path) if path else default_gazetteer_path()
            entries = read_gazetteer(gpath) if gpath else []
        self.entries = entries
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.forms: dict[str, list[tuple[str, GazetteerEntry]]] = {}
        for entry in entries:
            for form in (entry.name, *entry.aliases):
                self.forms.setdefault(form.lower(), []).append((form, entry))
        # make_doc runs our tokenizer, so patterns tokenise like the text does; the
        # tokenizer keeps some capitalised compounds whole ("Text-to-Image" in a title)
        # that it splits in lower case, so a title-cased variant is added when it differs
        patterns = []
        for form in self.forms:
            doc = nlp.make_doc(form)
            patterns.append(doc)
            variant = nlp.make_doc(title_variant(form))
            if len(variant) != len(doc):
                patterns.append(variant)
        for start in range(0, len(patterns), 1000):
            self.matcher.add("GAZ", patterns[start : start + 1000])

    def __call__(self, doc: Doc) -> Doc:
        found: list[Span] = []
        for _, start, end in self.matcher(doc):
            span = doc[start:end]
            for form, entry in self.forms.get(span.text.lower(), ()):
                if case_compatible(form, span.text, entry.type):
                    span._.gazetteer = entry
                    found.append(span)
                    break
        # keep the longest match where matches overlap
        found.sort(key=lambda s: (s.start, -len(s)))
        kept: list[Span] = []
        last_end = -1
        for span in found:
            if span.start >= last_end:
                kept.append(span)
                last_end = span.end
        doc._.gazetteer_matches = kept
        return doc
