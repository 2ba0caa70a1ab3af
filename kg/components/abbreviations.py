"""Abbreviation definitions (long form ↔ short form) with the Schwartz–Hearst algorithm.

We implement the algorithm (Schwartz & Hearst, PSB 2003) rather than depend on
scispacy's ``AbbreviationDetector``: scispacy 0.6.2 requires ``numpy<2`` and would
downgrade this environment's numpy 2.x (and pulls in nmslib, scipy and scikit-learn
for its entity linker), so it does not install cleanly next to our spaCy 3.8.

Both patterns are found: ``long form (SF)`` and ``SF (long form)``.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.components.tokens import token_features

_MAX_SF_CHARS = 12


def is_short_form(text: str) -> bool:
    """Return True when ``text`` may be an abbreviation: 2–12 chars, a letter, starts alphanumeric."""
    if not 2 <= len(text) <= _MAX_SF_CHARS or not text[0].isalnum():
        return False
    if not any(c.isalpha() for c in text):
        return False
    if len(text.split()) > 2:
        return False
    # an ordinary lower-case word is not an abbreviation ("(see", "(ours")
    return not (text.isalpha() and text.islower())


def best_long_form(short: str, long: str) -> str | None:
    """Return the shortest suffix of ``long`` that ``short`` abbreviates, or None.

    Every alphanumeric character of ``short`` must occur in ``long`` in order, scanning
    right to left, and the first one must start a word (Schwartz & Hearst, 2003).

    >>> best_long_form("SFT", "we apply supervised fine-tuning")
    'supervised fine-tuning'
    """
    s_idx, l_idx = len(short) - 1, len(long) - 1
    while s_idx >= 0:
        c = short[s_idx].lower()
        if not c.isalnum():
            s_idx -= 1
            continue
        while l_idx >= 0 and (
            long[l_idx].lower() != c or (s_idx == 0 and l_idx > 0 and long[l_idx - 1].isalnum())
        ):
            l_idx -= 1
        if l_idx < 0:
            return None
        l_idx -= 1
        s_idx -= 1
    start = long.rfind(" ", 0, l_idx + 1) + 1
    result = long[start:]
    if short.lower() in result.lower().split():
        return None
    return result


def _sentence_start(doc: Doc, i: int) -> int:
    return token_features(doc).sent_bounds(i)[0]


def _long_form_span(doc: Doc, short: str, window: Span) -> Span | None:
    """Map the Schwartz–Hearst long form inside ``window`` back to a token span."""
    n_sf = len(short)
    max_words = min(n_sf + 5, n_sf * 2)
    words = [t for t in window if not t.is_punct or t.text == "-"]
    if not words:
        return None
    lf = best_long_form(short, window.text)
    if not lf or len(lf) <= len(short):
        return None
    start_char = window.end_char - len(lf)
    span = doc.char_span(start_char, window.end_char, alignment_mode="expand")
    if span is None or len([t for t in span if not t.is_punct]) > max_words:
        return None
    return span


def find_abbreviations(doc: Doc) -> list[tuple[Span, Span]]:
    """Return ``(long_form, short_form)`` span pairs defined in ``doc``.

    >>> import spacy; nlp = spacy.blank("en"); nlp.add_pipe("sentencizer")  # doctest: +SKIP
    """
    pairs: list[tuple[Span, Span]] = []
    text = token_features(doc).text
    n = len(text)
    i = 0
    while i < n:
        if text[i] != "(":
            i += 1
            continue
        # find the closing parenthesis within a few tokens
        j = i + 1
        while j < n and j - i <= 12 and text[j] not in (")", "("):
            j += 1
        if j >= n or text[j] != ")" or j == i + 1:
            i += 1
            continue
        inner = doc[i + 1 : j]
        # "(DPO; Rafailov et al.)" or "(DPO, ...)": the short form is the first part
        cut = next((k for k in range(i + 1, j) if text[k] in (";", ",")), j)
        head = doc[i + 1 : cut]
        sent_start = _sentence_start(doc, i)
        if head.text and is_short_form(head.text) and i > sent_start:
            window = doc[max(sent_start, i - min(len(head.text) + 5, len(head.text) * 2) - 4) : i]
            long_span = _long_form_span(doc, head.text, window)
            if long_span is not None:
                pairs.append((long_span, head))
                i = j + 1
                continue
        # reverse pattern: "SFT (supervised fine-tuning)"
        if i > sent_start and len(inner) >= 2 and is_short_form(text[i - 1]):
            short = doc[i - 1 : i]
            long_span = _long_form_span(doc, short.text, inner)
            if long_span is not None and long_span.start == inner.start:
                pairs.append((long_span, short))
        i = j + 1
    return pairs


@Language.factory("kg_abbreviations")
class AbbreviationDetector:
    """Set ``doc._.abbreviations`` (list of ``(long, short)`` spans) and ``span._.long_form``.

    Every later occurrence of a defined short form gets ``span._.long_form`` too,
    collected in ``doc._.abbreviation_mentions``.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        Doc.set_extension("abbreviations", default=[], force=True)
        Doc.set_extension("abbreviation_mentions", default=[], force=True)
        Span.set_extension("long_form", default=None, force=True)

    def __call__(self, doc: Doc) -> Doc:
        pairs = find_abbreviations(doc)
        doc._.abbreviations = pairs
        by_short = {short.text: long for long, short in pairs}
        mentions: list[Span] = []
        if by_short:
            for i, t in enumerate(token_features(doc).text):
                long = by_short.get(t)
                if long is not None:
                    span = doc[i : i + 1]
                    span._.long_form = long
                    mentions.append(span)
        doc._.abbreviation_mentions = mentions
        return doc
