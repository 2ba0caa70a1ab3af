"""Token features computed once per document and shared by our components.

Walking a ``Doc`` token by token builds a Python ``Token`` object per step, and each
component used to do that several times: it was most of the ``fast`` profile's time.
:func:`token_features` reads every attribute the components need in one
``Doc.to_array`` call, turns them into plain Python lists and caches them in
``doc.user_data``. Components index these lists and build ``Span`` objects only for
their results.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from spacy.attrs import DEP, IDX, IS_ALPHA, IS_PUNCT, IS_STOP, LENGTH, LIKE_NUM, POS, SENT_START, SPACY, TAG
import numpy
from spacy.language import Language
from spacy.pipeline.sentencizer import Sentencizer
from spacy.tokens import Doc

_KEY = "kg_token_features"
#: ``doc.user_data`` key where a caller may leave the text it tokenised (``doc.text`` walks every token).
TEXT_KEY = "kg_text"
# small integers only: token texts are sliced from the doc text (IDX, LENGTH), which is
# much cheaper than converting 64-bit string hashes and looking each one up
_BASE = [IDX, LENGTH, SPACY, IS_PUNCT, IS_STOP, IS_ALPHA, LIKE_NUM, SENT_START]
_TAGS = [POS, TAG, DEP]


@dataclass
class TokenFeatures:
    """Per-token attributes of one doc as lists (index = token index)."""

    doc_text: str
    text: list[str]
    lower: list[str]
    ws: list[bool]
    punct: list[bool]
    stop: list[bool]
    alpha: list[bool]
    like_num: list[bool]
    idx: list[int]
    sent_start: list[bool]
    pos: list[str] | None
    tag: list[str] | None
    dep: list[str] | None
    #: token index where each sentence starts, ascending (first is 0)
    sent_starts: list[int]
    #: number of tokens (checked against the doc before the cache is trusted)
    n: int = 0

    def __len__(self) -> int:
        return self.n

    def sent_bounds(self, i: int) -> tuple[int, int]:
        """Return ``(start, end)`` token indices of the sentence holding token ``i``."""
        k = bisect_right(self.sent_starts, i) - 1
        end = self.sent_starts[k + 1] if k + 1 < len(self.sent_starts) else len(self.text)
        return self.sent_starts[k], end

    def end_char(self, i: int) -> int:
        """Return the character offset just after token ``i``."""
        return self.idx[i] + len(self.text[i])


def token_features(doc: Doc) -> TokenFeatures:
    """Return the (cached) :class:`TokenFeatures` of ``doc``."""
    feats = doc.user_data.get(_KEY)
    if feats is not None and feats.n == len(doc):
        return feats
    tagged = doc.has_annotation("TAG")
    attrs = _BASE + _TAGS if tagged else _BASE
    arr = doc.to_array(attrs)
    strings = doc.vocab.strings
    idx = arr[:, 0].tolist() if len(doc) else []
    doc_text = doc.user_data.get(TEXT_KEY)
    if not isinstance(doc_text, str) or len(doc) and len(doc_text) != idx[-1] + int(arr[-1, 1]) + int(arr[-1, 2]):
        doc_text = doc.text
    text = [doc_text[a : a + n] for a, n in zip(idx, arr[:, 1].tolist())] if len(doc) else []
    flags = arr[:, 2:7].astype(bool).T.tolist() if len(doc) else [[]] * 5
    starts = (arr[:, 7] == 1).tolist() if len(doc) else []
    if starts:
        starts[0] = True
    feats = TokenFeatures(
        doc_text=doc_text, text=text, lower=[t.lower() for t in text], ws=flags[0], punct=flags[1],
        stop=flags[2], alpha=flags[3], like_num=flags[4], idx=idx, sent_start=starts,
        pos=[strings[h] for h in arr[:, 8].tolist()] if tagged else None,
        tag=[strings[h] for h in arr[:, 9].tolist()] if tagged else None,
        dep=[strings[h] for h in arr[:, 10].tolist()] if tagged else None,
        sent_starts=[i for i, s in enumerate(starts) if s], n=len(text),
    )
    doc.user_data[_KEY] = feats
    return feats


def forget(doc: Doc) -> None:
    """Drop the cached features (after sentence boundaries change)."""
    doc.user_data.pop(_KEY, None)


#: The sentence-final characters of spaCy's rule-based ``sentencizer``.
PUNCT_CHARS = frozenset(Sentencizer.default_punct_chars)


def sentence_starts(text: list[str], punct: list[bool]) -> list[bool]:
    """Return sentence starts exactly as spaCy's ``sentencizer`` finds them.

    A sentence starts at the first non-punctuation token after a sentence-final
    character (``.``, ``!``, ``?`` and their Unicode kin).
    """
    starts = [False] * len(text)
    start, seen_period = 0, False
    for i, t in enumerate(text):
        final = t in PUNCT_CHARS
        if seen_period and not punct[i] and not final:
            starts[start] = True
            start, seen_period = i, False
        elif final:
            seen_period = True
    if start < len(text):
        starts[start] = True
    return starts


@Language.factory("kg_sentences")
class FastSentencizer:
    """The ``sentencizer``'s rule on the shared token features, without ``Token`` objects.

    Also fills the feature cache of :func:`token_features` for the components after it.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        f = token_features(doc)
        starts = sentence_starts(f.text, f.punct)
        arr = numpy.where(numpy.array(starts, dtype=bool), 1, -1).astype(numpy.uint64).reshape(-1, 1)
        doc.from_array([SENT_START], arr)
        f.sent_start = starts
        f.sent_starts = [i for i, s in enumerate(starts) if s]
        return doc
