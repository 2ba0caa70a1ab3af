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
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from spacy.tokens import Doc, Span

from kg.components.candidates import is_name_shaped, is_title_word
from kg.components.roles import is_proposed
from kg.components.lexicon import norm_key, singular_key
from kg.components.tokens import TEXT_KEY, token_features
from kg.model import ExtractedEntity, Mention, Paper, PaperExtraction
from kg.nlp import get_pipeline

#: Bumped whenever extraction output may change (invalidates caches downstream).
EXTRACTOR_VERSION = "kg-extract-0.8.0"

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


@dataclass(frozen=True)
class _Cand:
    """A candidate span's attributes, read once from its extensions."""

    field: str
    span: Span
    text: str
    key: str
    type: str
    evidence: str
    role: str
    confidence: float
    sources: tuple[str, ...]
    #: canonical name of the gazetteer entry it matched, if any
    known_as: str | None = None
    #: the text as a name (without quote marks)
    name: str = ""


_QUOTES_RE = re.compile(r"``|''|[\"“”`]")


def _cand(field: str, span: Span) -> _Cand:
    f = token_features(span.doc)
    text = f.doc_text[f.idx[span.start] : f.end_char(span.end - 1)]
    # a quoted coined name is named without its quotes; the mention keeps the exact text
    name = " ".join(_QUOTES_RE.sub("", text).split()) if _QUOTES_RE.search(text) else text
    u = span._
    entry = u.gazetteer if "gazetteer" in u.kg_sources else None
    return _Cand(field, span, text, singular_key(norm_key(name)), u.kg_type, u.kg_type_evidence, u.kg_role,
                 u.kg_confidence, u.kg_sources, entry.name if entry is not None else None, name)


def _mention(c: _Cand) -> Mention:
    span = c.span
    f = token_features(span.doc)
    s, e = f.sent_bounds(span.start)
    start_char, end_char = f.idx[s], f.end_char(e - 1)
    start = f.idx[span.start]
    return Mention(field=c.field, start=start, end=start + len(c.text), text=c.text,
                   sentence=f.doc_text[start_char:end_char], sentence_start=start_char)


def _well_supported(members: list[_Cand]) -> bool:
    """Return False for a lone capitalised word with no other support ("Pareto", "Monday").

    Such a word is kept when the gazetteer knows it, a cue word types it ("the Swimmer
    environment"), the paper proposes it, or the abstract names it more than once.
    """
    if len(members) > 1:
        return True
    c = members[0]
    if set(c.sources) != {"name"} or len(c.span) != 1 or not is_title_word(c.name):
        return True
    return c.role == "proposed" or c.evidence in ("context", "family")


#: Nouns that name a part of a system (what it does is said by the noun before them).
_COMPONENT_HEADS = frozenset("encoder encoders decoder decoders network embedding embeddings".split())


def _names_a_component(members: list[_Cand]) -> bool:
    """Return True for a lower-case phrase that names a part of a system by what it handles:
    "text encoder", "critic network", "object embeddings".

    Such a phrase is a component of the paper's system, not a named method; one the paper
    proposes, or that a gazetteer entry, name shape or abbreviation supports, is kept.
    """
    for c in members:
        if set(c.sources) != {"phrase"} or c.role == "proposed" or not c.name.islower():
            return False
        f = token_features(c.span.doc)
        head = c.span.end - 1
        if f.lower[head] not in _COMPONENT_HEADS or head == c.span.start:
            return False
        if f.pos is not None and f.pos[head - 1] not in ("NOUN", "PROPN"):
            return False  # "convolutional network", "recurrent encoder": a kind of architecture
    return True


def _restated_in_title(title: Doc, title_cands: list[_Cand], abstract_cands: list[_Cand]) -> list[_Cand]:
    """Return the title's candidates with the abstract's names found in the title added.

    A Title-Case title gives few clues (every word is capitalised), but it usually restates
    names the abstract defines: "Efficient Vision Transformers" holds "Vision Transformers",
    not just the known word "Transformers". A found name replaces the shorter title
    candidates inside it; one that crosses a title candidate is left out.
    """
    f = token_features(title)
    low = f.doc_text.lower()
    found: dict[tuple[int, int], _Cand] = {}
    for c in {c.name.lower(): c for c in abstract_cands}.values():
        name = c.name.lower()
        if len(name) < 4 or (" " not in name and not is_name_shaped(c.name)):
            continue
        at = low.find(name)
        while at != -1:
            end = at + len(name)
            if (at == 0 or not low[at - 1].isalnum()) and (end == len(low) or not low[end].isalnum()):
                span = title.char_span(at, end)
                if span is not None:
                    found.setdefault((span.start, span.end), c)
            at = low.find(name, at + 1)
    kept = list(title_cands)
    for (s, e), c in sorted(found.items(), key=lambda kv: kv[0][0] - kv[0][1]):
        inside = [t for t in kept if s <= t.span.start and t.span.end <= e]
        crossing = [t for t in kept if t.span.start < e and s < t.span.end and t not in inside]
        if crossing or any((t.span.start, t.span.end) == (s, e) for t in inside):
            continue
        span = title[s:e]
        text = f.doc_text[f.idx[s] : f.end_char(e - 1)]
        proposed, _ = is_proposed(span)
        kept = [t for t in kept if t not in inside]
        kept.append(_Cand("title", span, text, c.key, c.type, c.evidence, "proposed" if proposed else "used",
                          c.confidence, ("title_restates",), c.known_as, text))
    return sorted(kept, key=lambda t: t.span.start)


#: Words that may close a name without changing what it names ("One-Step Diffusion" model).
_GENERIC_TAILS = frozenset("model models method methods framework frameworks approach algorithm".split())


def _words(text: str) -> list[str]:
    words = text.lower().split()
    if words:
        words[-1] = singular_key(words[-1])
    return words


def is_variant(short: list[str], long: list[str]) -> bool:
    """Return True when word list ``short`` names the same thing as the longer ``long``.

    Both start with the same word, ``short`` is a subsequence of ``long`` and they end
    alike, or ``long`` only adds a generic tail word: "multi-view style transfer" and
    "Multi-View Consistent Style Transfer"; "One-Step Diffusion" and "one-step diffusion
    model". Single words never merge this way.
    """
    if len(short) < 2 or len(long) <= len(short) or short[0] != long[0]:
        return False
    body = long[:-1] if long[-1] in _GENERIC_TAILS and long[-1] != short[-1] else long
    if body[-1] != short[-1]:
        return False
    it = iter(body)
    return all(w in it for w in short)


def _merge_variants(uf: _UnionFind, items: list[_Cand]) -> None:
    """Union a title name with an abstract name of its type group that it is a variant of.

    Titles restate the abstract's terms in other words; within the abstract, an added
    word usually names another thing ("linear probe", "linear regression probe").
    """
    forms: dict[str, tuple[list[str], str, set[str]]] = {}
    for c in items:
        entry = forms.setdefault(c.name.lower(), (_words(c.name), _GROUP.get(c.type, c.type), set()))
        entry[2].add(c.field)
    by_len = sorted(forms.items(), key=lambda kv: len(kv[1][0]))
    for i, (a, (wa, ga, fa)) in enumerate(by_len):
        for b, (wb, gb, fb) in by_len[i + 1 :]:
            if ga == gb and (fa | fb) == {"title", "abstract"} and (fa == {"title"} or fb == {"title"}) \
                    and is_variant(wa, wb):
                uf.union(singular_key(norm_key(a)), singular_key(norm_key(b)))


_GROUP = {"Model": "Method", "Benchmark": "Dataset"}


def entities_from_docs(docs: dict[str, Doc]) -> tuple[ExtractedEntity, ...]:
    """Group the candidates of a paper's ``{"title": doc, "abstract": doc}`` into entities."""
    uf = _UnionFind()
    items: list[_Cand] = []
    long_forms: set[str] = set()
    per_field = {field: [_cand(field, span) for span in doc._.kg_candidates] for field, doc in docs.items()}
    if "title" in per_field and "abstract" in per_field:
        per_field["title"] = _restated_in_title(docs["title"], per_field["title"], per_field["abstract"])
    for cands in per_field.values():
        for c in cands:
            uf.find(c.key)
            if c.known_as is not None:  # "text-to-image" and "T2I" name one gazetteer entry
                uf.union(c.key, "gazetteer:" + c.known_as)
            items.append(c)
    for doc in docs.values():
        for long, short in doc._.abbreviations:
            lk, sk = singular_key(norm_key(long.text)), singular_key(norm_key(short.text))
            if lk not in uf.parent:  # the long form ends a longer known term: "offline RL"
                lk = next((c.key for c in items if c.span.doc is doc and c.span.end == long.end
                           and c.span.start < long.start), lk)
            if lk in uf.parent and sk in uf.parent:
                uf.union(lk, sk)
                long_forms.add(norm_key(long.text))
    _merge_variants(uf, items)
    groups: dict[str, list[_Cand]] = defaultdict(list)
    for c in items:
        groups[uf.find(c.key)].append(c)

    entities: list[ExtractedEntity] = []
    for members in groups.values():
        if not _well_supported(members) or _names_a_component(members):
            continue
        texts = [c.name for c in members]
        longs = [t for t in texts if norm_key(t) in long_forms]
        in_abstract = {c.name for c in members if c.field == "abstract"}
        # the fullest form, as the abstract writes it when the title has the same length
        name = max(longs or texts, key=lambda t: (len(t), t in in_abstract, -texts.index(t)))
        aliases = tuple(dict.fromkeys(t for t in texts if t != name and norm_key(t) != norm_key(name)))
        votes: Counter[str] = Counter()
        for c in members:
            votes[c.type] += _EVIDENCE_WEIGHT.get(c.evidence, 1.0)
        etype = votes.most_common(1)[0][0]
        role = "proposed" if any(c.role == "proposed" for c in members) else "used"
        conf = max(c.confidence for c in members)
        if len(members) > 1:
            conf = min(0.99, conf + _MENTION_BONUS)
        sources = sorted({src for c in members for src in c.sources})
        mentions = tuple(sorted({_mention(c) for c in members},
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
        for doc, (i, field) in self.nlp.pipe(self._tokenised(texts), as_tuples=True, batch_size=batch_size):
            docs[i][field] = doc
        return [PaperExtraction(paper=p, entities=entities_from_docs(d)) for p, d in zip(papers, docs)]

    def _tokenised(self, texts: list[tuple[str, tuple[int, str]]]) -> Iterator[tuple[Doc, tuple[int, str]]]:
        """Tokenise ahead of the pipeline and keep each text with its doc (saves a ``doc.text`` walk)."""
        make_doc = self.nlp.make_doc
        for text, ctx in texts:
            doc = make_doc(text)
            doc.user_data[TEXT_KEY] = text
            yield doc, ctx

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
