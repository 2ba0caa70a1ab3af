"""Role of an entity in its paper: ``proposed`` or ``used``.

Proposed when a title opens with ``NAME:``, when a sentence says "we propose /
introduce / present NAME" (or "this paper presents", "called / dubbed NAME"), when
``our NAME`` names it, or when NAME is followed by ", a novel ...". Everything else is used.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.components.tokens import token_features

PROPOSE_VERBS = frozenset(
    """propose proposes proposed introduce introduces introduced present presents presented
    develop develops developed design designs designed release releases released construct constructs
    constructed curate curates curated build builds create creates created contribute contributes
    devise devises devised formulate formulates offer offers collect collects
    proposing introducing presenting developing designing constructing building creating devising""".split()
)
NAMING_WORDS = frozenset("called named dubbed termed coined".split())
_WE = frozenset("we this our paper work".split())
_NEW = frozenset("novel new first".split())
_MAX_DISTANCE = 12


def is_proposed(span: Span) -> tuple[bool, str]:
    """Return ``(proposed?, evidence)`` for a candidate span."""
    f = token_features(span.doc)
    sent_start, sent_end = f.sent_bounds(span.start)
    # title opening "NAME: ..."
    if span.start == 0 and span.end < len(f) and f.text[span.end] == ":":
        return True, "title prefix"
    before_start = max(sent_start, span.start - _MAX_DISTANCE)
    words = f.lower[before_start : span.start]
    if words[-3:] and "our" in words[-3:]:
        return True, "our"
    if words[-3:] and "proposed" in words[-3:] and words[-1] not in ("by", "in"):
        return True, "proposed"  # "with the proposed adaptive dual-control module"
    if any(w in NAMING_WORDS for w in words[-4:]):
        return True, "naming"
    for k, w in enumerate(words):
        if w in PROPOSE_VERBS:
            head = f.lower[max(sent_start, before_start + k - 12) : before_start + k]
            if any(x in _WE for x in head) or k == 0 and before_start == sent_start:
                # no sentence-internal clause boundary between verb and name
                between = words[k + 1 :]
                if not any(x in ("which", "that", "where", "while", "whereas", ";") for x in between):
                    if not any(x in ("using", "with", "from", "on", "by", "via", "over", "than", "against", "to") for x in between):
                        return True, "propose verb"
    after = f.lower[span.end : min(sent_end, span.end + 5)]
    if after[:1] == [","] and any(w in _NEW for w in after[1:5]) and any(w in ("a", "an") for w in after[1:3]):
        return True, "appositive"
    return False, ""


@Language.factory("kg_roles")
class RoleTagger:
    """Set ``span._.kg_role`` (``proposed`` or ``used``) and ``span._.kg_role_evidence``."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        Span.set_extension("kg_role", default="used", force=True)
        Span.set_extension("kg_role_evidence", default="", force=True)

    def __call__(self, doc: Doc) -> Doc:
        for span in doc._.kg_candidates:
            proposed, evidence = is_proposed(span)
            u = span._
            u.kg_role = "proposed" if proposed else "used"
            u.kg_role_evidence = evidence
        return doc
