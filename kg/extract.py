"""Extraction: papers in, :class:`~kg.model.PaperExtraction` records out.

Each paper's title and abstract run through the spaCy pipeline of :mod:`kg.nlp`
as two documents; the candidate spans of both are grouped into entities by the
GUIDELINE matching key, abbreviation definitions (long form ↔ short form) and
plural forms. An entity's name is its fullest form (the long form of an
abbreviation, else the longest mention), its type the best-supported type of its
mentions, its role ``proposed`` when any mention says so.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice

from spacy.tokens import Doc, Span

from kg.components.candidates import is_title_word
from kg.components.lexicon import norm_key, singular_key
from kg.model import ExtractedEntity, Mention, Paper, PaperExtraction
from kg.nlp import get_pipeline

#: Bumped whenever extraction output may change (invalidates caches downstream).
EXTRACTOR_VERSION = "kg-extract-0.2.0"

#: How much each typing evidence counts when mentions disagree on the type.
_EVIDENCE_WEIGHT = {"gazetteer": 5.0, "metric": 4.0, "family": 4.0, "context": 3.0, "shape": 2.5,
                    "abbreviation": 2.0, "head": 2.0, "default": 1.0}
_MENTION_BONUS = 0.05


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _mention(span: Span, field: str) -> Mention:
    sent = span.sent
    return Mention(field=field, start=span.start_char, end=span.end_char, text=span.text,
                   sentence=sent.text, sentence_start=sent.start_char)


def _well_supported(members: list[tuple[str, Span]]) -> bool:
    """Return False for a lone capitalised word with no other support ("Pareto", "Monday").

    Such a word is kept when the gazetteer knows it, a cue word types it ("the Swimmer
    environment"), the paper proposes it, or the abstract names it more than once.
    """
    spans = [s for _, s in members]
    if len(spans) > 1:
        return True
    span = spans[0]
    if set(span._.kg_sources) != {"name"} or len(span) != 1 or not is_title_word(span.text):
        return True
    return span._.kg_role == "proposed" or span._.kg_type_evidence in ("context", "family")


def entities_from_docs(docs: dict[str, Doc]) -> tuple[ExtractedEntity, ...]:
    """Group the candidates of a paper's ``{"title": doc, "abstract": doc}`` into entities."""
    uf = _UnionFind()
    items: list[tuple[str, Span]] = []
    long_forms: set[str] = set()
    for field, doc in docs.items():
        for span in doc._.kg_candidates:
            key = singular_key(norm_key(span.text))
            uf.find(key)
            items.append((field, span))
        for long, short in doc._.abbreviations:
            lk, sk = singular_key(norm_key(long.text)), singular_key(norm_key(short.text))
            if lk in uf.parent and sk in uf.parent:
                uf.union(lk, sk)
                long_forms.add(norm_key(long.text))
    groups: dict[str, list[tuple[str, Span]]] = defaultdict(list)
    for field, span in items:
        groups[uf.find(singular_key(norm_key(span.text)))].append((field, span))

    entities: list[ExtractedEntity] = []
    for members in groups.values():
        if not _well_supported(members):
            continue
        texts = [s.text for _, s in members]
        longs = [t for t in texts if norm_key(t) in long_forms]
        name = max(longs or texts, key=lambda t: (len(t), -texts.index(t)))
        aliases = tuple(dict.fromkeys(t for t in texts if t != name and norm_key(t) != norm_key(name)))
        votes: Counter[str] = Counter()
        for _, s in members:
            votes[s._.kg_type] += _EVIDENCE_WEIGHT.get(s._.kg_type_evidence, 1.0)
        etype = votes.most_common(1)[0][0]
        role = "proposed" if any(s._.kg_role == "proposed" for _, s in members) else "used"
        conf = max(s._.kg_confidence for _, s in members)
        if len(members) > 1:
            conf = min(0.99, conf + _MENTION_BONUS)
        sources = sorted({src for _, s in members for src in s._.kg_sources})
        mentions = tuple(sorted({_mention(s, f) for f, s in members},
                                key=lambda m: (m.field != "title", m.start)))
        entities.append(ExtractedEntity(name=name, type=etype, role=role, confidence=round(conf, 3),
                                        aliases=aliases, mentions=mentions, source="+".join(sources)))
    entities.sort(key=lambda e: (e.mentions[0].field != "title", e.mentions[0].start))
    return tuple(entities)


def _batched(items: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class Extractor:
    """Extract entities from papers with one pipeline ``profile`` (``accurate`` or ``fast``)."""

    def __init__(self, profile: str = "accurate") -> None:
        if profile not in ("accurate", "fast"):
            raise ValueError(f"unknown profile {profile!r}; choose accurate or fast")
        self.profile = profile
        self._nlp = None

    @property
    def nlp(self):
        """The spaCy pipeline (built on first use, shared within the process)."""
        if self._nlp is None:
            self._nlp = get_pipeline(self.profile)
        return self._nlp

    def _extract_batch(self, papers: list[Paper], batch_size: int = 64) -> list[PaperExtraction]:
        texts: list[tuple[str, tuple[int, str]]] = []
        for i, paper in enumerate(papers):
            for field in ("title", "abstract"):
                text = paper.text(field)
                if text:
                    texts.append((text, (i, field)))
        docs: list[dict[str, Doc]] = [{} for _ in papers]
        for doc, (i, field) in self.nlp.pipe(texts, as_tuples=True, batch_size=batch_size):
            docs[i][field] = doc
        return [PaperExtraction(paper=p, entities=entities_from_docs(d)) for p, d in zip(papers, docs)]

    def extract(self, papers: Iterable[Paper], jobs: int = 1, batch_size: int = 64) -> Iterator[PaperExtraction]:
        """Yield one :class:`PaperExtraction` per paper, in input order.

        ``jobs > 1`` runs batches in that many worker processes (each loads the pipeline once).
        """
        if jobs <= 1:
            for batch in _batched(papers, batch_size):
                yield from self._extract_batch(batch, batch_size)
            return
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(self.profile,)) as pool:
            for result in pool.imap(_work, ((b, batch_size) for b in _batched(papers, batch_size))):
                yield from result


_WORKER: Extractor | None = None


def _init_worker(profile: str) -> None:
    global _WORKER
    _WORKER = Extractor(profile)


def _work(args: tuple[list[Paper], int]) -> list[PaperExtraction]:
    assert _WORKER is not None
    batch, batch_size = args
    return _WORKER._extract_batch(batch, batch_size)


def extract(title: str, abstract: str = "", profile: str = "accurate") -> list[ExtractedEntity]:
    """Extract the entities of one title and abstract."""
    paper = Paper(key="adhoc", title=title, abstract=abstract)
    (result,) = Extractor(profile)._extract_batch([paper])
    return list(result.entities)


def to_contract(x: PaperExtraction) -> dict:
    """Return the ``kg extract`` JSON object of one paper (GUIDELINE.md / issue 2 contract)."""
    return {
        "id": x.paper.id,
        "title": x.paper.title,
        "entities": [
            {
                "name": e.name,
                "aliases": list(e.aliases),
                "type": e.type,
                "role": e.role,
                "confidence": e.confidence,
                "mentions": [{"field": m.field, "start": m.start, "end": m.end, "text": m.text}
                             for m in e.mentions],
            }
            for e in x.entities
        ],
    }
