"""The graph: one data model in a pyoxigraph store, with pandas, rdflib and NetworkX views.

Every term comes from :mod:`kg.vocab` (checked against ``ontology/kg.ttl``). IRIs are
minted from paper keys and canonical entity keys only, so they are identical across
rebuilds and input order.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd
import pyoxigraph as ox

from kg.model import ENTITY_TYPES, CanonicalEntity, ExtractedEntity, Link, Paper, PaperExtraction
from kg.vocab import DCTERMS, KGO, KGR_NS, PREFIXES, PROV, RDF_TYPE, RELATION_BY_TYPE, SCHEMA, SKOS, XSD

if TYPE_CHECKING:
    import networkx as nx
    import rdflib

_XSD = PREFIXES["xsd"]


# --------------------------------------------------------------------------- IRIs


def _safe(text: str) -> str:
    """Percent-encode everything outside unreserved characters and ``/``."""
    return quote(text, safe="/-._~")


def paper_iri(key: str) -> ox.NamedNode:
    """IRI of a paper from its key: ``arxiv:2401.00001`` → ``kgr:paper/arxiv/2401.00001``.

    >>> paper_iri("arxiv:2401.00001").value
    'https://w3id.org/kg-ml/id/paper/arxiv/2401.00001'
    """
    scheme, _, rest = key.partition(":")
    return ox.NamedNode(f"{KGR_NS}paper/{_safe(scheme)}/{_safe(rest)}")


def entity_iri(key: str) -> ox.NamedNode:
    """IRI of a canonical entity from its key (``model/llama-2``)."""
    return ox.NamedNode(KGR_NS + _safe(key))


def link_iri(paper_key: str, entity_key: str) -> ox.NamedNode:
    return ox.NamedNode(paper_iri(paper_key).value.replace("/paper/", "/link/", 1) + "/" + _safe(entity_key))


def mention_iri(paper_key: str, field: str, start: int, end: int) -> ox.NamedNode:
    return ox.NamedNode(paper_iri(paper_key).value.replace("/paper/", "/mention/", 1) + f"/{field}-{start}-{end}")


def extractor_iri(version: str) -> ox.NamedNode:
    return ox.NamedNode(f"{KGR_NS}extractor/{_safe(version)}")


# --------------------------------------------------------------------------- literals


def _text(value: str) -> ox.Literal:
    return ox.Literal(value)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=XSD.integer)


def _decimal(value: float) -> ox.Literal:
    return ox.Literal(f"{float(value):.3f}", datatype=XSD.decimal)


def date_literal(date: str) -> ox.Literal:
    """A typed literal for an ISO date, year-month, year or month-day (``--MM-DD``)."""
    if date.startswith("--"):
        return ox.Literal(date, datatype=XSD.gMonthDay)
    datatype = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}.get(len(date), XSD.string)
    return ox.Literal(date, datatype=datatype)


def relation_name(entity_type: str) -> str:
    """The ``used`` relation of an entity type (``Benchmark`` → ``evaluatesOn``)."""
    return RELATION_BY_TYPE[entity_type]


# --------------------------------------------------------------------------- triples


def paper_triples(paper: Paper) -> Iterator[ox.Quad]:
    s = paper_iri(paper.key)
    yield ox.Quad(s, RDF_TYPE, KGO.Paper)
    yield ox.Quad(s, KGO.key, _text(paper.key))
    yield ox.Quad(s, DCTERMS.title, _text(paper.title))
    if paper.abstract:
        yield ox.Quad(s, DCTERMS.abstract, _text(paper.abstract))
    if paper.date:
        yield ox.Quad(s, DCTERMS.date, date_literal(paper.date))
    for name in paper.authors:
        yield ox.Quad(s, KGO.authorName, _text(name))
    if paper.author_count is not None:
        yield ox.Quad(s, KGO.authorCount, _int(paper.author_count))
    if paper.upvotes is not None:
        yield ox.Quad(s, KGO.upvotes, _int(paper.upvotes))
    if paper.organisation:
        yield ox.Quad(s, KGO.organisation, _text(paper.organisation))
    if paper.url:
        yield ox.Quad(s, SCHEMA.url, ox.Literal(paper.url, datatype=XSD.anyURI))
    if paper.arxiv_id:
        yield ox.Quad(s, KGO.arxivId, _text(paper.arxiv_id))
    if paper.doi:
        yield ox.Quad(s, KGO.doi, _text(paper.doi))
    for category in paper.categories:
        yield ox.Quad(s, KGO.category, _text(category))
    for source in paper.sources:
        yield ox.Quad(s, KGO.source, _text(source))
    if paper.input_id:
        yield ox.Quad(s, KGO.inputId, _text(paper.input_id))


#: Every predicate :func:`paper_triples` uses (a paper's own data, not its links to entities).
PAPER_PREDICATES = frozenset({
    RDF_TYPE, KGO.key, DCTERMS.title, DCTERMS.abstract, DCTERMS.date, KGO.authorName, KGO.authorCount,
    KGO.upvotes, KGO.organisation, SCHEMA.url, KGO.arxivId, KGO.doi, KGO.category, KGO.source, KGO.inputId,
})


def entity_triples(entity: CanonicalEntity, paper_count: int) -> Iterator[ox.Quad]:
    s = entity_iri(entity.key)
    yield ox.Quad(s, RDF_TYPE, KGO[entity.type])
    yield ox.Quad(s, SKOS.prefLabel, _text(entity.label))
    yield ox.Quad(s, KGO.key, _text(entity.key))
    for alias in entity.aliases:
        if alias != entity.label:
            yield ox.Quad(s, SKOS.altLabel, _text(alias))
    if entity.variant_of:
        yield ox.Quad(s, KGO.variantOf, entity_iri(entity.variant_of))
    yield ox.Quad(s, KGO.paperCount, _int(paper_count))
    for reason in entity.evidence:
        yield ox.Quad(s, KGO.mergeEvidence, _text(reason))


def link_triples(link: Link, entity_type: str, agent: ox.NamedNode, paper: Paper | None) -> Iterator[ox.Quad]:
    p = paper_iri(link.paper_key)
    e = entity_iri(link.entity_key)
    relation = KGO[relation_name(entity_type)]
    yield ox.Quad(p, relation, e)
    yield ox.Quad(p, KGO.mentions, e)
    if link.role == "proposed":
        yield ox.Quad(p, KGO.proposes, e)
    node = link_iri(link.paper_key, link.entity_key)
    yield ox.Quad(node, RDF_TYPE, KGO.Link)
    yield ox.Quad(node, KGO.paper, p)
    yield ox.Quad(node, KGO.entity, e)
    yield ox.Quad(node, KGO.relation, KGO.proposes if link.role == "proposed" else relation)
    yield ox.Quad(node, KGO.role, _text(link.role))
    yield ox.Quad(node, KGO.confidence, _decimal(link.confidence))
    yield ox.Quad(node, KGO.mentionCount, _int(len(link.mentions)))
    for mention in link.mentions:
        m = mention_iri(link.paper_key, mention.field, mention.start, mention.end)
        yield ox.Quad(node, KGO.hasMention, m)
        yield ox.Quad(m, RDF_TYPE, KGO.Mention)
        yield ox.Quad(m, KGO.inPaper, p)
        yield ox.Quad(m, KGO.ofEntity, e)
        yield ox.Quad(m, KGO.exact, _text(mention.text))
        yield ox.Quad(m, KGO.field, _text(mention.field))
        yield ox.Quad(m, KGO.start, _int(mention.start))
        yield ox.Quad(m, KGO.end, _int(mention.end))
        if mention.sentence:
            yield ox.Quad(m, KGO.sentence, _text(mention.sentence))
            yield ox.Quad(m, KGO.sentenceStart, _int(mention.sentence_start))
        yield ox.Quad(m, KGO.confidence, _decimal(link.confidence))
        yield ox.Quad(m, KGO.role, _text(link.role))
        yield ox.Quad(m, PROV.wasAttributedTo, agent)  # the extractor (an agent) and its version


def corpus_triples(
    papers: Mapping[str, Paper],
    entities: Mapping[str, CanonicalEntity],
    links: Iterable[Link],
    extractor_version: str,
) -> Iterator[ox.Quad]:
    """Every triple of a built corpus, as quads of the default graph (unsorted)."""
    links = list(links)
    agent = extractor_iri(extractor_version)
    yield from agent_triples(extractor_version)
    for paper in papers.values():
        yield from paper_triples(paper)
    counts = entity_paper_counts(links)
    for entity in entities.values():
        yield from entity_triples(entity, counts.get(entity.key, 0))
    for link in links:
        yield from link_triples(link, entities[link.entity_key].type, agent, papers.get(link.paper_key))


def agent_triples(extractor_version: str) -> Iterator[ox.Quad]:
    """The extractor of this version as a ``prov:SoftwareAgent`` (every mention is attributed to it)."""
    agent = extractor_iri(extractor_version)
    yield ox.Quad(agent, RDF_TYPE, PROV.SoftwareAgent)
    yield ox.Quad(agent, SKOS.prefLabel, _text(f"kg extractor {extractor_version}"))


def entity_paper_counts(links: Iterable[Link]) -> dict[str, int]:
    """Number of papers linked to each entity key (``kgo:paperCount``)."""
    papers: dict[str, set[str]] = {}
    for link in links:
        papers.setdefault(link.entity_key, set()).add(link.paper_key)
    return {key: len(keys) for key, keys in papers.items()}


def canonical_ntriples(store: ox.Store) -> bytes:
    """The store's default graph as canonical N-Triples, lines sorted bytewise, one triple a line.

    Sorting serialised lines (a C-level sort of bytes) is ~50x faster than sorting term
    objects in Python, and gives the same order on every machine and input order.
    """
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    lines = sorted(set(data.splitlines()))
    if lines and not lines[0]:
        lines = lines[1:]
    return b"\n".join(lines) + b"\n" if lines else b""


# --------------------------------------------------------------------------- SPARQL helpers


_INTEGER_TYPES = frozenset(_XSD + t for t in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger"))


def python_value(term: Any) -> Any:
    """Convert an RDF term to a plain Python value for DataFrames."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value if term.datatype else ""
        try:
            if datatype in _INTEGER_TYPES:
                return int(term.value)
            if datatype in (_XSD + "decimal", _XSD + "double", _XSD + "float"):
                value = float(term.value)
                return value if math.isfinite(value) else None
        except ValueError:  # an ill-typed literal in a loaded file stays text, never a traceback
            return term.value
        if datatype == _XSD + "boolean":
            return term.value == "true"
        return term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def results_frame(results: Any) -> pd.DataFrame:
    """A SELECT result as a DataFrame (columns in query order)."""
    columns = [v.value for v in results.variables]
    rows = [[python_value(solution[c]) for c in columns] for solution in results]
    return pd.DataFrame(rows, columns=columns)


_PREFIX_HEADER = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())

_PAPERS_QUERY = """
SELECT ?iri ?input ?title ?abstract ?date ?author_count ?upvotes ?organisation ?url ?arxiv_id ?doi
       (GROUP_CONCAT(DISTINCT ?author; separator="; ") AS ?authors)
       (GROUP_CONCAT(DISTINCT ?category; separator="; ") AS ?categories)
       (GROUP_CONCAT(DISTINCT ?source; separator="; ") AS ?sources)
WHERE {
  ?iri a kgo:Paper ; dcterms:title ?title .
  OPTIONAL { ?iri kgo:inputId ?input }
  OPTIONAL { ?iri dcterms:abstract ?abstract }
  OPTIONAL { ?iri dcterms:date ?date }
  OPTIONAL { ?iri kgo:authorCount ?author_count }
  OPTIONAL { ?iri kgo:upvotes ?upvotes }
  OPTIONAL { ?iri kgo:organisation ?organisation }
  OPTIONAL { ?iri schema:url ?url }
  OPTIONAL { ?iri kgo:arxivId ?arxiv_id }
  OPTIONAL { ?iri kgo:doi ?doi }
  OPTIONAL { ?iri kgo:authorName ?author }
  OPTIONAL { ?iri kgo:category ?category }
  OPTIONAL { ?iri kgo:source ?source }
}
GROUP BY ?iri ?input ?title ?abstract ?date ?author_count ?upvotes ?organisation ?url ?arxiv_id ?doi
ORDER BY ?iri
"""

_ENTITIES_QUERY = """
SELECT ?key ?iri ?type ?label (GROUP_CONCAT(DISTINCT ?alias; separator="|") AS ?aliases) ?paper_count ?variant_of
       (GROUP_CONCAT(DISTINCT STR(?proposer); separator="; ") AS ?proposed_by)
WHERE {
  ?iri kgo:key ?key ; a ?class ; skos:prefLabel ?label .
  FILTER(STRSTARTS(STR(?class), STR(kgo:)))
  BIND(STRAFTER(STR(?class), STR(kgo:)) AS ?type)
  OPTIONAL { ?iri kgo:paperCount ?paper_count }
  OPTIONAL { ?iri skos:altLabel ?alias }
  OPTIONAL { ?iri kgo:variantOf/kgo:key ?variant_of }
  OPTIONAL { ?proposer kgo:proposes ?iri }
}
GROUP BY ?key ?iri ?type ?label ?paper_count ?variant_of
ORDER BY ?key
"""

_LINKS_QUERY = """
SELECT ?paper ?entity_key ?relation ?role ?confidence ?mention_count ?name
WHERE {
  ?link a kgo:Link ; kgo:paper ?paper ; kgo:entity ?entity ; kgo:relation ?rel ; kgo:role ?role ;
        kgo:confidence ?confidence ; kgo:mentionCount ?mention_count .
  ?entity kgo:key ?entity_key ; skos:prefLabel ?name .
  BIND(STRAFTER(STR(?rel), STR(kgo:)) AS ?relation)
}
ORDER BY ?paper ?entity_key
"""

_MENTIONS_QUERY = """
SELECT ?paper ?entity_key ?field ?start ?end ?text ?sentence ?sentence_start ?confidence ?role
WHERE {
  ?m a kgo:Mention ; kgo:inPaper ?paper ; kgo:ofEntity ?entity ; kgo:field ?field ; kgo:start ?start ;
     kgo:end ?end ; kgo:exact ?text ; kgo:confidence ?confidence ; kgo:role ?role .
  ?entity kgo:key ?entity_key .
  OPTIONAL { ?m kgo:sentence ?sentence ; kgo:sentenceStart ?sentence_start }
}
ORDER BY ?paper ?field ?start ?entity_key ?end
"""


def _sorted_join(value: Any, separator: str) -> str:
    """Re-join a GROUP_CONCAT value with its parts sorted (empty for no value)."""
    if not isinstance(value, str) or not value:
        return ""
    return separator.join(sorted(value.split(separator)))


#: The columns of each table, in order (also the CSV headers).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "papers": ("id", "key", "iri", "title", "abstract", "date", "authors", "author_count", "upvotes", "organisation",
               "url", "arxiv_id", "doi", "categories", "sources"),
    "entities": ("key", "iri", "type", "label", "aliases", "paper_count", "variant_of", "proposed_by"),
    "links": ("paper_key", "entity_key", "relation", "role", "confidence", "mention_count", "name"),
    "mentions": ("paper_key", "entity_key", "field", "start", "end", "text", "sentence", "sentence_start",
                 "confidence", "role"),
}
#: Integer columns that may be empty (nullable ``Int64`` in the DataFrames, so ``4`` never becomes ``4.0``).
_NULLABLE_INT_COLUMNS = frozenset({"author_count", "upvotes"})


def _paper_row(v: list[Any]) -> tuple:
    iri, input_id, title, abstract, date, authors_n, upvotes, organisation, url, arxiv_id, doi, authors, cats, srcs = v
    key = _paper_key_from_iri(iri)
    # GROUP_CONCAT follows the store's internal order: sort so every store gives the same table.
    # (RDF keeps no order among repeated values, so author order is not preserved either.)
    return (input_id if isinstance(input_id, str) and input_id else key, key, iri, title, abstract, date,
            _sorted_join(authors, "; "), authors_n, upvotes, organisation, url, arxiv_id, doi,
            _sorted_join(cats, "; "), _sorted_join(srcs, "; "))


def _entity_row(v: list[Any]) -> tuple:
    key, iri, type_, label, aliases, paper_count, variant_of, proposed_by = v
    proposers = ("; ".join(sorted(_paper_key_from_iri(p) for p in proposed_by.split("; ")))
                 if isinstance(proposed_by, str) and proposed_by else "")
    return (key, iri, type_, label, _sorted_join(aliases, "|"), paper_count or 0, variant_of or "", proposers)


def _link_row(v: list[Any]) -> tuple:
    return (_paper_key_from_iri(v[0]), *v[1:])


def _mention_row(v: list[Any]) -> tuple:
    paper, entity_key, field, start, end, text, sentence, sentence_start, confidence, role = v
    return (_paper_key_from_iri(paper), entity_key, field, start, end, text, sentence or "", sentence_start or 0,
            confidence, role)


_TABLE_SOURCES: dict[str, tuple[str, Callable[[list[Any]], tuple]]] = {
    "papers": (_PAPERS_QUERY, _paper_row),
    "entities": (_ENTITIES_QUERY, _entity_row),
    "links": (_LINKS_QUERY, _link_row),
    "mentions": (_MENTIONS_QUERY, _mention_row),
}


def table_rows(store: ox.Store, name: str) -> Iterator[tuple]:
    """Stream the rows of table ``name`` (``papers``, ``entities``, ``links`` or ``mentions``).

    Rows come straight from the store, one at a time, in :data:`TABLE_COLUMNS` order, so a
    table of a million mentions is written to CSV without being held in memory.
    """
    query, row = _TABLE_SOURCES[name]
    value = python_value
    for solution in store.query(query, prefixes=PREFIXES):
        yield row([value(term) for term in solution])


def corpus_table_rows(
    papers: Mapping[str, Paper],
    entities: Mapping[str, CanonicalEntity],
    links: Sequence[Link],
    name: str,
) -> Iterator[tuple]:
    """The rows :func:`table_rows` gives for the store :func:`corpus_triples` fills, from the records.

    A build keeps its papers and linked corpus, so its tables need no query: over an on-disk
    store of 75K papers the table queries take minutes, this takes seconds. Same values, same
    order (each table query orders its rows totally), checked against the store in the tests.
    This holds while no two links of a paper share a mention span, as the extractor
    guarantees: a mention node is named by paper and span, so the store would merge two
    such mentions into one node and its query would return their cross product.
    """
    iri_of: dict[str, str] = {}

    def iri(key: str) -> str:
        value = iri_of.get(key)
        if value is None:
            value = iri_of[key] = paper_iri(key).value
        return value

    def key_of(paper_key: str) -> str:  # the key a query reads back from the paper's IRI
        return _paper_key_from_iri(iri(paper_key))

    def confidence(value: float) -> float:
        return float(f"{float(value):.3f}")  # as the xsd:decimal literal stores it

    if name == "papers":
        for paper in sorted(papers.values(), key=lambda p: iri(p.key)):
            row = [iri(paper.key), paper.input_id or None, paper.title, paper.abstract or None, paper.date or None,
                   paper.author_count, paper.upvotes, paper.organisation or None, paper.url or None,
                   paper.arxiv_id or None, paper.doi or None]
            row += ["; ".join(dict.fromkeys(v)) for v in (paper.authors, paper.categories, paper.sources)]
            yield _paper_row(row)
    elif name == "entities":
        counts = entity_paper_counts(links)
        proposers: dict[str, set[str]] = {}
        for link in links:
            if link.role == "proposed":
                proposers.setdefault(link.entity_key, set()).add(iri(link.paper_key))
        for key in sorted(entities):
            e = entities[key]
            aliases = "|".join(dict.fromkeys(a for a in e.aliases if a != e.label))
            variant = e.variant_of if e.variant_of in entities else None
            yield _entity_row([e.key, entity_iri(e.key).value, e.type, e.label, aliases,
                               counts.get(key, 0), variant, "; ".join(sorted(proposers.get(key, ())))])
    elif name == "links":
        for link in sorted(links, key=lambda l: (iri(l.paper_key), l.entity_key)):
            e = entities[link.entity_key]
            relation = "proposes" if link.role == "proposed" else relation_name(e.type)
            yield (key_of(link.paper_key), link.entity_key, relation, link.role, confidence(link.confidence),
                   len(link.mentions), e.label)
    elif name == "mentions":
        rows = []
        for link in links:
            pk, c = key_of(link.paper_key), confidence(link.confidence)
            for m in link.mentions:
                rows.append((iri(link.paper_key), m.field, m.start, link.entity_key, m.end,
                             (pk, link.entity_key, m.field, m.start, m.end, m.text, m.sentence,
                              m.sentence_start if m.sentence else 0, c, link.role)))
        rows.sort(key=lambda r: r[:5])
        for row in rows:
            yield row[5]
    else:
        raise KeyError(name)


def table_frame(rows: Iterable[tuple], name: str) -> pd.DataFrame:
    """Rows of table ``name`` as a DataFrame (nullable integers where a value may be missing)."""
    columns = TABLE_COLUMNS[name]
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for column in _NULLABLE_INT_COLUMNS.intersection(columns):
        frame[column] = frame[column].astype("Int64")
    return frame


def _resolve_paper_key(papers: pd.DataFrame, paper_id: str) -> str:
    """The key of the paper ``paper_id`` names (key, input id, IRI or arXiv id) in a papers table."""
    for column in ("key", "id", "iri", "arxiv_id"):
        hit = papers.loc[papers[column] == paper_id, "key"]
        if len(hit):
            return str(hit.iloc[0])
    raise KeyError(f"no paper with id {paper_id!r}")


def _paper_key_from_iri(iri: str) -> str:
    path = iri[len(KGR_NS + "paper/"):]
    scheme, _, rest = path.partition("/")
    from urllib.parse import unquote

    return f"{unquote(scheme)}:{unquote(rest)}"


# --------------------------------------------------------------------------- the graph


class KnowledgeGraph:
    """A knowledge graph of papers and the research entities they name.

    Build one with :func:`kg.build`, or load an export with :meth:`load`.

    Examples
    --------
    >>> g = KnowledgeGraph.from_turtle('''
    ... @prefix kgo: <https://w3id.org/kg-ml/ontology#> .
    ... @prefix dcterms: <http://purl.org/dc/terms/> .
    ... <https://w3id.org/kg-ml/id/paper/arxiv/2401.00001> a kgo:Paper ; dcterms:title "A paper" .
    ... ''')
    >>> g.papers[["id", "title"]].values.tolist()
    [['arxiv:2401.00001', 'A paper']]
    """

    def __init__(self, store: ox.Store | None = None, *, extractor_version: str | None = None) -> None:
        self.store = store if store is not None else ox.Store()
        self.extractor_version = extractor_version
        self.problems: list[Any] = []
        self._cooccurrence: dict[tuple[str, str], int] | None = None
        # Extracted entities by the text they came from: .add re-links these without re-extracting.
        self._extracted: dict[tuple[str, str], tuple[ExtractedEntity, ...]] = {}
        self._profile = "accurate"
        self._overrides: Path | None = None
        self._cache_dir: str | os.PathLike[str] | None = None  # the build's extraction cache, reused by add
        self._incremental_dir: str | os.PathLike[str] | None = None  # where the build keeps this graph's store

    @property
    def cooccurrence(self) -> dict[tuple[str, str], int]:
        """Papers naming each pair of entities, by ``(key a, key b)`` with ``a < b`` (sorted).

        Set by the build; a loaded graph computes it from its links.
        """
        if self._cooccurrence is not None:
            return self._cooccurrence
        linked = self.__dict__.get("linked")
        if linked is not None:  # a build's graph: counted from its linked corpus, once, when first asked
            from kg.link import cooccurrence

            self._cooccurrence = cooccurrence(linked)
            return self._cooccurrence
        from collections import Counter
        from itertools import combinations

        counts: Counter[tuple[str, str]] = Counter()
        for _, group in self.links.groupby("paper_key"):
            counts.update(combinations(sorted(set(group["entity_key"])), 2))
        return dict(sorted(counts.items()))

    @cooccurrence.setter
    def cooccurrence(self, counts: dict[tuple[str, str], int]) -> None:
        self._cooccurrence = counts

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_corpus(
        cls,
        papers: Mapping[str, Paper],
        entities: Mapping[str, CanonicalEntity],
        links: Iterable[Link],
        extractor_version: str,
        *,
        store_path: str | Path | None = None,
    ) -> KnowledgeGraph:
        """Build the store from merged papers and linked entities.

        ``store_path`` keeps the store on disk (RocksDB) instead of in memory: slower to
        fill, but memory stays flat for corpora of tens of thousands of papers.
        """
        store = ox.Store(str(store_path)) if store_path is not None else None
        graph = cls(store, extractor_version=extractor_version)
        graph.store.bulk_extend(corpus_triples(papers, entities, links, extractor_version))
        return graph

    @classmethod
    def from_turtle(cls, text: str | bytes) -> KnowledgeGraph:
        """Load a graph from Turtle text."""
        graph = cls()
        data = text.encode("utf-8") if isinstance(text, str) else text
        graph.store.bulk_load(data, format=ox.RdfFormat.TURTLE)
        return graph

    @classmethod
    def load(cls, path: str | Path) -> KnowledgeGraph:
        """Load an export folder (its ``graph.ttl``) or an RDF file (Turtle, N-Triples, ...)."""
        path = Path(path)
        if path.is_dir():
            path = path / "graph.ttl"
        graph = cls()
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
        graph.store.bulk_load(path=str(path), format=fmt)
        return graph

    # -- queries --------------------------------------------------------------

    def sparql(self, query: str) -> pd.DataFrame | bool:
        """Run a SPARQL 1.1 query; SELECT gives a DataFrame, ASK a bool, CONSTRUCT a DataFrame of s, p, o.

        The prefixes of the exports (``kgo:``, ``kgr:``, ``dcterms:``, ``skos:``...) are predeclared.
        Updates are refused: the graph is read-only through this method.
        """
        if _is_update(query):
            raise PermissionError("SPARQL updates are refused: the graph is read-only")
        results = self.store.query(query, prefixes=PREFIXES)
        if isinstance(results, ox.QuerySolutions):
            return results_frame(results)
        if isinstance(results, ox.QueryBoolean):
            return bool(results)
        return pd.DataFrame(
            [[python_value(t.subject), python_value(t.predicate), python_value(t.object)] for t in results],
            columns=["subject", "predicate", "object"],
        )

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` (``papers``, ``entities``, ``links`` or ``mentions``) as a DataFrame."""
        return table_frame(self.table_rows(name), name)

    def table_rows(self, name: str) -> Iterator[tuple]:
        """Stream the rows of table ``name`` (columns: :data:`TABLE_COLUMNS`).

        A graph this process built answers from the records it was filled from (seconds
        where the queries over a large on-disk store take minutes); a loaded graph, or one
        whose store was changed since, answers from the store.
        """
        return self.table_source()(name)

    def table_source(self) -> Callable[[str], Iterator[tuple]]:
        """The function :meth:`table_rows` uses now: over the build's records while the store is unchanged."""
        records = self._fresh_records()
        if records is not None:
            return lambda name: corpus_table_rows(records[0], records[1], records[2], name)
        return lambda name: table_rows(self.store, name)

    def _fresh_records(self) -> tuple[Mapping[str, Paper], Mapping[str, CanonicalEntity], Sequence[Link], int] | None:
        """The records the store was filled from, unless the store has changed since (its size tells)."""
        records = self.__dict__.get("_records")
        return records if records is not None and records[3] == len(self.store) else None

    def keep_records(self, papers: Mapping[str, Paper], entities: Mapping[str, CanonicalEntity],
                     links: Sequence[Link], size: int | None = None) -> None:
        """Remember the records the store was just filled from (``size`` triples), for :meth:`table_rows`."""
        self._records = (papers, entities, links, len(self.store) if size is None else size)

    @property
    def papers(self) -> pd.DataFrame:
        """One row per paper, ``id`` first (the input's id, else the paper key)."""
        return self.table("papers")

    @property
    def entities(self) -> pd.DataFrame:
        """One row per canonical entity: key, iri, type, label, aliases, paper_count, variant_of, proposed_by."""
        return self.table("entities")

    @property
    def links(self) -> pd.DataFrame:
        """One row per paper → entity link, with its relation, role, confidence and mention count."""
        return self.table("links")

    @property
    def mentions(self) -> pd.DataFrame:
        """One row per mention: where in which paper an entity is named, with its sentence."""
        return self.table("mentions")

    def __len__(self) -> int:
        return len(self.store)

    # -- views ----------------------------------------------------------------

    def canonical_ntriples(self) -> bytes:
        """All triples as canonical, sorted N-Triples (cached until the store changes)."""
        size = len(self.store)
        cached = getattr(self, "_canonical", None)
        if cached is None or cached[0] != size:
            cached = (size, canonical_ntriples(self.store))
            self._canonical = cached
        return cached[1]

    def triples(self) -> Iterator[ox.Triple]:
        """All triples in canonical order (subject, predicate, object as N-Triples text)."""
        return ox.parse(self.canonical_ntriples(), format=ox.RdfFormat.N_TRIPLES)

    def to_turtle(self) -> str:
        """The graph as deterministic, prefixed Turtle."""
        return to_turtle(self)

    def to_rdflib(self) -> rdflib.Graph:
        """The graph as an :class:`rdflib.Graph` (a copy)."""
        import rdflib

        g = rdflib.Graph()
        for prefix, iri in PREFIXES.items():
            g.bind(prefix, iri)
        g.parse(data=self.canonical_ntriples().decode("utf-8"), format="nt")
        return g

    def to_networkx(self) -> nx.Graph:
        """An undirected NetworkX graph: paper and entity nodes, one edge per paper → entity link.

        Nodes carry ``kind`` (``Paper`` or the entity type), ``label``; edges carry
        ``relation``, ``role``, ``weight`` (mention count) and ``confidence``.
        """
        import networkx as nx

        g = nx.Graph()
        for row in self.papers.itertuples(index=False):
            g.add_node(row.key, kind="Paper", label=row.title, id=row.id, date=row.date)
        for row in self.entities.itertuples(index=False):
            g.add_node(row.key, kind=row.type, label=row.label, aliases=row.aliases, paper_count=row.paper_count)
        for row in self.links.itertuples(index=False):
            g.add_edge(row.paper_key, row.entity_key, relation=row.relation, role=row.role,
                       weight=row.mention_count, confidence=row.confidence)
        return g

    def paper_key(self, paper_id: str) -> str:
        """Resolve a paper id (input id, key or IRI) to its key; KeyError if unknown."""
        return _resolve_paper_key(self.papers, paper_id)

    def related_papers(self, paper_id: str, top: int = 10) -> pd.DataFrame:
        """Papers sharing entities with ``paper_id``, best first.

        The score weights each shared entity by its inverse paper frequency, so sharing
        a rare benchmark counts more than sharing "Transformer".
        """
        table = self.papers  # one query of the papers table serves both the id lookup and the rows
        key = _resolve_paper_key(table, paper_id)
        links = self.links
        papers = table.set_index("key")
        df = links.groupby("entity_key")["paper_key"].nunique()
        mine = set(links.loc[links["paper_key"] == key, "entity_key"])
        rows = []
        others = links[links["entity_key"].isin(mine) & (links["paper_key"] != key)]
        n_papers = max(len(papers), 1)
        for other, group in others.groupby("paper_key"):
            shared = sorted(set(group["entity_key"]))
            score = sum(math.log(1 + n_papers / df[e]) for e in shared)
            rows.append((papers.loc[other, "id"], other, papers.loc[other, "title"], len(shared), round(score, 4),
                         "; ".join(shared)))
        frame = pd.DataFrame(rows, columns=["id", "key", "title", "shared", "score", "shared_entities"])
        return frame.sort_values(["score", "key"], ascending=[False, True]).head(top).reset_index(drop=True)

    def save(self, out_dir: str | Path, *, html: bool = True, formats: Iterable[str] | None = None,
             on_stage: Callable[[str], None] | None = None) -> dict[str, Path]:
        """Write the exports into ``out_dir``: by default Turtle, CSV tables and the HTML explorer.

        ``formats`` picks from ``ttl``, ``csv``, ``html``, ``nt``, ``jsonld``, ``graphml``
        (see :func:`kg.export.write_exports`).
        """
        from kg.export import DEFAULT_FORMATS, write_exports

        return write_exports(self, out_dir, html=html, formats=DEFAULT_FORMATS if formats is None else formats,
                             on_stage=on_stage)

    # -- building from papers, incremental additions ----------------------------

    @classmethod
    def from_papers(
        cls,
        papers: Iterable[Paper],
        *,
        profile: str = "accurate",
        overrides: str | Path | None = None,
        jobs: int = 1,
        cache_dir: str | Path | None = None,
    ) -> KnowledgeGraph:
        """Build a graph from :class:`~kg.model.Paper` objects (extract, link, store).

        Parameters
        ----------
        papers
            The papers; records of the same paper are merged as by :func:`kg.build`.
        profile
            ``accurate`` or ``fast`` extraction.
        overrides
            A file of forced merges and splits (see :mod:`kg.link`).
        jobs
            Extraction processes.
        cache_dir
            Directory of the per-paper extraction cache (:mod:`kg.cache`), if any.

        Returns
        -------
        KnowledgeGraph

        Examples
        --------
        >>> from kg.model import Paper
        >>> g = KnowledgeGraph.from_papers([Paper("arxiv:2401.00001", "Tuning GPT-4 on GSM8K")], profile="fast")
        >>> g.papers["id"].tolist()
        ['arxiv:2401.00001']
        """
        from kg.load import merge_papers

        graph = cls()
        graph._profile = profile
        graph._overrides = Path(overrides) if overrides else None
        records = list(papers)
        graph._relink(merge_papers(records), jobs=jobs, cache_dir=cache_dir)
        graph.report.records = len(records)
        return graph

    def add(
        self,
        papers: Paper | Iterable[Paper] | str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        *,
        fmt: str | None = None,
        columns: Mapping[str, str] | None = None,
        profile: str | None = None,
        overrides: str | Path | None = None,
        jobs: int = 1,
        cache_dir: str | Path | None = None,
        on_problem: Callable[[Any], None] | None = None,
    ) -> None:
        """Add papers to the graph in place, linking their entities with the existing ones.

        The result is the graph a build of all the papers together would give: new papers
        are extracted, a paper already present is merged with its new record, and every
        extraction is linked again so names merge across old and new papers. Extractions
        this graph made itself are reused; those of a built or loaded graph are redone
        from the stored titles and abstracts (give ``cache_dir`` to reuse a build's cache).

        Parameters
        ----------
        papers
            :class:`~kg.model.Paper` objects, or paths readable by :func:`kg.build`.
        fmt, columns
            Reader options for paths, as in :func:`kg.build`.
        profile
            Extraction profile (default: the one this graph was built with, else ``accurate``).
        overrides
            File of forced merges and splits (default: the one this graph was built with).
        jobs
            Extraction processes.
        cache_dir
            Directory of the per-paper extraction cache (:mod:`kg.cache`), if any.
        on_problem
            Called for each unreadable record of ``papers`` paths.

        Examples
        --------
        >>> from kg.model import Paper
        >>> g = KnowledgeGraph.from_papers([Paper("arxiv:2401.00001", "Tuning GPT-4 on GSM8K")], profile="fast")
        >>> g.add([Paper("arxiv:2401.00002", "GPT-4 fails on MATH")])
        >>> g.papers["id"].tolist()
        ['arxiv:2401.00001', 'arxiv:2401.00002']
        """
        from kg.load import merge_papers
        from kg.pipeline import BuildReport, as_paths, read_corpus

        report = BuildReport()
        if isinstance(papers, Paper):
            new: list[Paper] = [papers]
        elif isinstance(papers, str | os.PathLike):
            new = list(read_corpus(papers, fmt=fmt, columns=columns, report=report, on_problem=on_problem).values())
        else:
            items = list(papers)
            if all(isinstance(p, Paper) for p in items):
                new = items
                report.records = len(items)
            elif all(isinstance(p, str | os.PathLike) for p in items):
                new = list(read_corpus(as_paths(items), fmt=fmt, columns=columns, report=report,
                                       on_problem=on_problem).values())
            else:
                raise TypeError("add() takes Paper objects or paths, not a mix or other objects")
        if profile is not None:
            self._profile = profile
        if overrides is not None:
            self._overrides = Path(overrides)
        previous = getattr(self, "report", None)
        merged = merge_papers([*self._stored_papers(), *new])
        self._relink(merged, jobs=jobs, cache_dir=cache_dir if cache_dir is not None else self._cache_dir)
        if previous is not None:
            self.report.records += previous.records
            self.report.problems[:0] = previous.problems
        self.report.records += report.records
        self.report.problems.extend(report.problems)
        self.problems = self.report.problems

    def _stored_papers(self) -> list[Paper]:
        """The papers of the store, as :class:`~kg.model.Paper` records (by IRI order)."""
        records = self._fresh_records()
        if records is not None:
            return sorted(records[0].values(), key=lambda p: paper_iri(p.key).value)  # what the store holds
        single = {DCTERMS.title: "title", DCTERMS.abstract: "abstract", DCTERMS.date: "date",
                  KGO.authorCount: "author_count", KGO.upvotes: "upvotes", KGO.organisation: "organisation",
                  SCHEMA.url: "url", KGO.arxivId: "arxiv_id", KGO.doi: "doi", KGO.inputId: "input_id"}
        multiple = {KGO.authorName: "authors", KGO.category: "categories", KGO.source: "sources"}
        subjects = sorted({q.subject.value for q in self.store.quads_for_pattern(None, RDF_TYPE, KGO.Paper)})
        papers = []
        for iri in subjects:
            fields: dict[str, Any] = {"key": _paper_key_from_iri(iri), "title": ""}
            lists: dict[str, list[str]] = {name: [] for name in multiple.values()}
            for quad in self.store.quads_for_pattern(ox.NamedNode(iri), None, None):
                if quad.predicate in single:
                    fields[single[quad.predicate]] = python_value(quad.object)
                elif quad.predicate in multiple:
                    lists[multiple[quad.predicate]].append(quad.object.value)
            papers.append(Paper(**fields, **{name: tuple(sorted(v)) for name, v in lists.items()}))
        return papers

    def _relink(self, papers: Mapping[str, Paper], *, jobs: int = 1, cache_dir: str | Path | None = None) -> None:
        """Make this graph the build of ``papers``: extract what is new, link everything, refill the store."""
        from kg.extraction import EXTRACTOR_VERSION
        from kg.link import link
        from kg.pipeline import BuildReport, extract_papers, for_extraction, graph_from_linked, young_gc_only

        def text_of(paper: Paper) -> tuple[str, str]:
            read = for_extraction(paper)
            return (read.title, read.abstract)

        todo = [p for p in papers.values() if text_of(p) not in self._extracted]
        options: dict[str, Any] = {"cache_dir": cache_dir} if cache_dir is not None else {}
        with young_gc_only():
            for extraction in extract_papers(todo, profile=self._profile, jobs=jobs, **options):
                self._extracted[text_of(extraction.paper)] = extraction.entities
            self._extracted = {text_of(p): self._extracted[text_of(p)] for p in papers.values()}
            extractions = [PaperExtraction(paper=for_extraction(p), entities=self._extracted[text_of(p)])
                           for p in papers.values()]
            linked = link(extractions, self._overrides)
            report = BuildReport(papers=len(papers))
            if self._incremental_dir is not None:  # the build keeps this store: update it in place
                built = graph_from_linked(papers, linked, report, incremental_dir=self._incremental_dir,
                                          store=self.store)
            else:
                built = graph_from_linked(papers, linked, report)
        self.store = built.store
        self._records = built._records
        self.__dict__.pop("_canonical", None)  # any cache of the old store's serialisation
        self.extractor_version = EXTRACTOR_VERSION
        self._cooccurrence = None  # counted from the new linked corpus when first asked for
        self.linked = linked
        self.report = built.report

    @classmethod
    def example(cls) -> KnowledgeGraph:
        """A tiny ready-made graph (4 papers, 8 entities) for trying the API; no extraction runs.

        Examples
        --------
        >>> g = KnowledgeGraph.example()
        >>> len(g.papers), len(g.entities)
        (4, 8)
        """
        return _example_graph(cls)

    # -- notebooks -------------------------------------------------------------

    def show(self, *, height: int = 640, title: str = "kg") -> ExplorerView:
        """The interactive explorer, shown inline by Jupyter (an ``<iframe srcdoc>``; no network).

        Parameters
        ----------
        height
            Height of the view in pixels.
        title
            Title of the page.

        Returns
        -------
        ExplorerView
            Displayed by Jupyter through ``_repr_html_``; ``.html`` is the whole page.

        Examples
        --------
        >>> view = KnowledgeGraph.example().show(height=400)
        >>> view._repr_html_().startswith('<iframe srcdoc="')
        True
        """
        from kg.export.html import to_html

        page = to_html(self.papers, self.entities, self.links, self.mentions, title=title)
        return ExplorerView(page, height=height)

    # -- analytics (kg.analytics on the NetworkX view) --------------------------

    def centrality(self, type: str | None = None, *, top: int | None = None) -> pd.DataFrame:
        """Entity degree, PageRank and betweenness on the co-occurrence graph, ranked per type.

        See :func:`kg.analytics.centrality`.

        Examples
        --------
        >>> KnowledgeGraph.example().centrality("Benchmark")[["label", "papers", "rank"]]
           label  papers  rank
        0   MMLU       3     1
        1  GSM8K       1     2
        """
        from kg.analytics import centrality

        return centrality(self.to_networkx(), type=type, top=top)

    def communities(self, *, nodes: str = "all", resolution: float = 1.0, seed: int = 0) -> dict[str, int]:
        """Louvain communities (fixed seed): node key → community id, 0 the largest.

        See :func:`kg.analytics.communities`; :func:`kg.analytics.community_table` describes them.

        Examples
        --------
        >>> membership = KnowledgeGraph.example().communities()
        >>> membership["benchmark/mmlu"] == membership["model/gpt-4"]
        True
        """
        from kg.analytics import communities

        return communities(self.to_networkx(), nodes=nodes, resolution=resolution, seed=seed)  # type: ignore[arg-type]

    def cooccurrence_table(self, type_a: str, type_b: str, *, top: int | None = None) -> pd.DataFrame:
        """Crosstab of papers naming an entity of ``type_a`` and one of ``type_b`` together.

        See :func:`kg.analytics.cooccurrence`.

        Examples
        --------
        >>> KnowledgeGraph.example().cooccurrence_table("Model", "Benchmark")
        Benchmark  MMLU  GSM8K
        Model
        Llama-2       2      1
        GPT-4         1      0
        """
        from kg.analytics import cooccurrence

        return cooccurrence(self.to_networkx(), type_a, type_b, top=top)

    def trends(self, freq: str = "M", *, type: str | None = None, top: int | None = None) -> pd.DataFrame:
        """Papers naming each entity per month (``"Q"``, ``"Y"``: quarter, year).

        Papers whose date has no year (``--07-22``) cannot be placed and are skipped;
        ``attrs["skipped"]`` counts them. See :func:`kg.analytics.trends`.

        Examples
        --------
        >>> t = KnowledgeGraph.example().trends(type="Benchmark")
        >>> t
                 MMLU  GSM8K
        period
        2024-01     1      1
        2024-02     0      0
        2024-03     1      0
        >>> t.attrs["skipped"]
        {'no date': 1, 'no year': 1}
        """
        from kg.analytics import trends

        return trends(self.to_networkx(), freq=freq, type=type, top=top)

    def write_report(self, out_dir: str | Path) -> Path:
        """Write the static summary page ``out_dir/report.html`` (see :mod:`kg.report`)."""
        from kg.report import write_report

        return write_report(self, out_dir)


class ExplorerView:
    """The explorer page, displayed inline by Jupyter in a sandboxed ``<iframe srcdoc>``.

    Parameters
    ----------
    html
        The whole page (from :func:`kg.export.html.to_html`).
    height
        Height of the frame in pixels.
    """

    def __init__(self, html: str, *, height: int = 640) -> None:
        self.html = html
        self.height = int(height)

    def _repr_html_(self) -> str:
        import html as html_lib

        # allow-scripts without allow-same-origin: the page runs, but in an origin of its own.
        return (f'<iframe srcdoc="{html_lib.escape(self.html, quote=True)}" sandbox="allow-scripts" '
                f'width="100%" height="{self.height}" style="border: 1px solid #ddd"></iframe>')

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` atomically."""
        from kg.atomic import write_atomic

        return write_atomic(path, self.html)


# key, type, label, aliases
_EXAMPLE_ENTITIES = [
    ("method/dpo", "Method", "DPO", ("Direct Preference Optimization",)),
    ("method/lora", "Method", "LoRA", ()),
    ("model/gpt-4", "Model", "GPT-4", ()),
    ("model/llama-2", "Model", "Llama-2", ("Llama 2",)),
    ("dataset/the-pile", "Dataset", "The Pile", ()),
    ("benchmark/mmlu", "Benchmark", "MMLU", ()),
    ("benchmark/gsm8k", "Benchmark", "GSM8K", ()),
    ("metric/accuracy", "Metric", "accuracy", ()),
]
# key, date, title, abstract, (entity key, role, name as written)
_EXAMPLE_PAPERS = [
    ("arxiv:2401.00001", "2024-01-15", "Direct Preference Optimization for Llama-2",
     "We tune Llama-2 with DPO and LoRA on The Pile. We evaluate on MMLU and GSM8K and report accuracy.",
     [("model/llama-2", "used", "Llama-2"), ("method/dpo", "used", "DPO"), ("method/lora", "used", "LoRA"),
      ("dataset/the-pile", "used", "The Pile"), ("benchmark/mmlu", "used", "MMLU"),
      ("benchmark/gsm8k", "used", "GSM8K"), ("metric/accuracy", "used", "accuracy")]),
    ("arxiv:2403.00002", "2024-03-02", "GPT-4 on MMLU",
     "We study GPT-4 on MMLU and report accuracy.",
     [("model/gpt-4", "used", "GPT-4"), ("benchmark/mmlu", "used", "MMLU"), ("metric/accuracy", "used", "accuracy")]),
    ("arxiv:2402.00003", "--07-22", "LoRA for Llama 2",
     "We propose a LoRA recipe for Llama 2 and test it on MMLU.",
     [("method/lora", "proposed", "LoRA"), ("model/llama-2", "used", "Llama 2"), ("benchmark/mmlu", "used", "MMLU")]),
    ("arxiv:2402.00004", None, "Preference data at scale",
     "We release preference data for DPO.",
     [("method/dpo", "used", "DPO")]),
]


def _example_graph(cls: type[KnowledgeGraph]) -> KnowledgeGraph:
    from kg.model import Mention

    papers = {key: Paper(key=key, title=title, abstract=abstract, date=date, arxiv_id=key.split(":")[1])
              for key, date, title, abstract, _ in _EXAMPLE_PAPERS}
    entities = {key: CanonicalEntity(key=key, type=type_, label=label, aliases=(label, *aliases))
                for key, type_, label, aliases in _EXAMPLE_ENTITIES}
    links = []
    for key, _, title, abstract, named in _EXAMPLE_PAPERS:
        for entity_key, role, name in named:
            mentions = []
            for field, text in (("title", title), ("abstract", abstract)):
                start = text.find(name)
                if start >= 0:
                    mentions.append(Mention(field, start, start + len(name), name, text, 0))
            links.append(Link(key, entity_key, name, role, 0.9, tuple(mentions)))
    return cls.from_corpus(papers, entities, sorted(links, key=lambda x: (x.paper_key, x.entity_key)), "example")


#: Prefixes for entity IRIs in Turtle output.
TURTLE_ENTITY_PREFIXES: dict[str, str] = {t.lower(): f"{KGR_NS}{t.lower()}/" for t in ENTITY_TYPES}


def _is_update(query: str) -> bool:
    # IRIs first: a '#' inside one (``<https://w3id.org/kg-ml/ontology#>``) is no comment.
    stripped = re.sub(r"<[^<>\s]*>", "<>", query)
    stripped = re.sub(r"#[^\n]*", "", stripped)
    stripped = re.sub(r"(?is)\b(PREFIX\s+\S*\s*<>|BASE\s*<>)", "", stripped).strip()
    return bool(re.match(r"(?i)(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", stripped))


def to_turtle(graph: KnowledgeGraph) -> str:
    """Serialise ``graph`` as deterministic Turtle: fixed prefixes, triples in canonical order.

    Entity IRIs are written with one prefix per type (``model:llama-2``); other resource
    IRIs in full, so no local name needs escaping and every Turtle parser reads the file.
    """
    prefixes = _turtle_prefixes()
    body = ox.serialize(graph.triples(), format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")
    # Oxigraph writes prefixes in hash order: put them in our fixed order for byte-identical output.
    lines = body.split("\n")
    first = next((i for i, line in enumerate(lines) if not line.startswith("@prefix")), len(lines))
    header = [f"@prefix {p}: <{iri}> ." for p, iri in prefixes.items()]
    return "\n".join(header + lines[first:])


def write_turtle(graph: KnowledgeGraph, path: str | Path) -> Path:
    """Write :func:`to_turtle` atomically to ``path``.

    A graph of more than :data:`LARGE_GRAPH_TRIPLES` triples is streamed: its canonical
    N-Triples are sorted on disk and serialised straight into the file, so memory does not
    grow with the graph. The bytes are the same as :func:`to_turtle` gives.
    """
    from kg.atomic import atomic_writer, write_atomic

    if len(graph.store) <= LARGE_GRAPH_TRIPLES:
        return write_atomic(path, to_turtle(graph))
    prefixes = _turtle_prefixes()
    with sorted_ntriples_file(graph.store) as sorted_path, atomic_writer(path) as handle:
        body = Path(str(sorted_path) + ".ttl")
        try:
            with sorted_path.open("rb") as source, body.open("wb") as sink:
                ox.serialize(ox.parse(source, format=ox.RdfFormat.N_TRIPLES), sink, ox.RdfFormat.TURTLE,
                             prefixes=prefixes)
            handle.write("".join(f"@prefix {p}: <{iri}> .\n" for p, iri in prefixes.items()).encode("utf-8"))
            with body.open("rb") as written:
                for line in written:
                    if not line.startswith(b"@prefix"):
                        handle.write(line)
        finally:
            body.unlink(missing_ok=True)
    return Path(path)


#: Above this many triples, exports sort and serialise on disk instead of in memory.
LARGE_GRAPH_TRIPLES = 2_000_000


def _turtle_prefixes() -> dict[str, str]:
    prefixes = {**PREFIXES, **TURTLE_ENTITY_PREFIXES}
    prefixes.pop("kgr")
    return prefixes


@contextlib.contextmanager
def sorted_ntriples_file(store: ox.Store) -> Iterator[Path]:
    """A temporary file of the store's canonical N-Triples, sorted bytewise by ``sort -u``.

    ``LC_ALL=C sort`` orders bytes exactly as Python's ``sorted`` on ``bytes`` does, so
    the file matches :func:`canonical_ntriples` line for line, and it sorts gigabytes in
    bounded memory (a 512 MB buffer: on the 3.2 GB dump of 75K papers, ``-S 25%`` took 28 s
    and 4.2 GB, ``-S 512M`` 21 s and 0.5 GB). Without a ``sort`` program it falls back to
    sorting in memory.
    """
    import shutil
    import subprocess
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="kg-sort-"))
    try:
        unsorted, ordered = folder / "dump.nt", folder / "sorted.nt"
        store.dump(str(unsorted), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        sort = shutil.which("sort")
        if sort is not None:
            env = {**os.environ, "LC_ALL": "C"}
            subprocess.run([sort, "-u", "-S", "512M", "-T", str(folder), "-o", str(ordered), str(unsorted)],
                           check=True, env=env)
        else:
            lines = sorted(set(unsorted.read_bytes().splitlines()) - {b""})
            ordered.write_bytes(b"".join(line + b"\n" for line in lines))
        unsorted.unlink()
        yield ordered
    finally:
        shutil.rmtree(folder, ignore_errors=True)

