"""Property-based tests (hypothesis): readers, normalisation, IRI minting, Turtle round trips, determinism.

- Readers never raise on arbitrary bytes or text in any format: only ``InputError`` for a
  file that cannot be read at all; every record they yield is clean, encodable text.
- Normalisation functions are total, idempotent and give the documented alphabet.
- Any text gives valid IRIs (Oxigraph accepts them, rdflib reads them back unchanged), and a
  graph whose titles, labels and keys are arbitrary text serialises to Turtle that both
  parsers read and that is isomorphic to the store's own N-Triples.
- The same inputs in any order build byte-identical Turtle.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from kg.graph import KnowledgeGraph, entity_iri, paper_iri, to_turtle
from kg.load import FORMATS, InputError, clean_text, iter_papers, merge_papers, normalise_title, paper_key
from kg.model import ENTITY_TYPES, CanonicalEntity, Link, Mention, Paper

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
EXTENSIONS = {"hf": ".txt", "json": ".json", "jsonl": ".jsonl", "csv": ".csv", "tsv": ".tsv", "atom": ".xml"}
SURROGATES = re.compile(r"[\ud800-\udfff]")
# Any Unicode text a Python str from decoded input can hold (no lone surrogates: they cannot be input).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
WILD = st.text(max_size=80)  # surrogates included: what json.loads("\\ud800") gives
# Printable text plus line breaks: a file mostly of other control characters is refused as binary.
CELL = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n\r\t"), max_size=40)


def read_all(path: Path, fmt: str | None = None):
    problems = []
    try:
        papers = list(iter_papers([path], fmt, on_problem=problems.append))
    except InputError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        return None, problems
    for paper in papers:
        for text in (paper.title, paper.abstract, *paper.authors, paper.input_id or ""):
            assert not SURROGATES.search(text)
            text.encode("utf-8")
        assert paper.title and paper.title == " ".join(paper.title.split())
    for problem in problems:
        assert problem.path == str(path) and problem.location and "\n" not in problem.message
    return papers, problems


# --------------------------------------------------------------------------- readers


@SETTINGS
@given(data=st.binary(max_size=2000), fmt=st.sampled_from((None, *FORMATS)))
def test_readers_never_raise_on_arbitrary_bytes(data, fmt):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{EXTENSIONS.get(fmt or 'hf')}"
        path.write_bytes(data)
        read_all(path, fmt)


@SETTINGS
@given(text=WILD, fmt=st.sampled_from(FORMATS), encoding=st.sampled_from(["utf-8", "utf-16", "utf-8-sig", "cp1252"]))
def test_readers_never_raise_on_arbitrary_text_in_any_encoding(text, fmt, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{EXTENSIONS[fmt]}"
        path.write_bytes(text.encode(encoding, errors="surrogatepass" if encoding.startswith("utf-8") else "replace"))
        read_all(path, fmt)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | WILD,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(WILD, inner, max_size=3),
                           max_leaves=8)
FIELDS = st.sampled_from(["id", "title", "abstract", "summary", "authors", "authors_parsed", "date", "published",
                          "versions", "url", "doi", "categories", "upvotes", "author_count", "organisation"])


@SETTINGS
@given(records=st.lists(st.dictionaries(FIELDS, JSON_VALUES, max_size=6), max_size=5))
def test_json_and_jsonl_readers_keep_every_record_with_a_usable_title(records):
    """A record is kept exactly when its title has text; odd field types never lose it."""
    expected = sum(1 for r in records if clean_text(r.get("title")) if "title" in r and r["title"] not in (None, ""))
    with tempfile.TemporaryDirectory() as folder:
        jsonl = Path(folder) / "r.jsonl"
        jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8", errors="surrogatepass")
        as_list = Path(folder) / "r.json"
        as_list.write_text(json.dumps(records), encoding="utf-8", errors="surrogatepass")
        for path in (jsonl, as_list):
            papers, problems = read_all(path)
            assert papers is not None and len(papers) == expected, problems


@SETTINGS
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=6), sep=st.sampled_from([",", "\t"]),
       quote_all=st.booleans())
def test_csv_reader_keeps_every_row_with_a_title(rows, sep, quote_all):
    """Every titled row is kept; a row the csv module cannot parse (Python's writer leaves a
    bare CR unquoted) is reported by line, and the rows after it are still read."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
               ).writerows([["title", "abstract", "id"], *rows])
    expected = sum(1 for r in rows if clean_text(r[0]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("r.csv" if sep == "," else "r.tsv")
        path.write_text(buffer.getvalue(), encoding="utf-8")
        papers, problems = read_all(path)
        assert papers is not None
        if quote_all:
            assert len(papers) == expected, (problems, rows)
        else:
            unparsable = sum(1 for p in problems if "CSV parse error" in p.message or "ragged row" in p.message)
            assert expected - unparsable <= len(papers) <= expected, (problems, rows)


# --------------------------------------------------------------------------- normalisation


@SETTINGS
@given(WILD)
def test_clean_text_is_encodable_single_line_and_idempotent(text):
    cleaned = clean_text(text)
    cleaned.encode("utf-8")
    assert cleaned == " ".join(cleaned.split()) and clean_text(cleaned) == cleaned
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", cleaned)


@SETTINGS
@given(WILD)
def test_normalise_title_is_idempotent_and_case_and_punctuation_blind(title):
    norm = normalise_title(title)
    assert normalise_title(norm) == norm
    assert norm == " ".join(norm.split()) and "_" not in norm
    assert normalise_title(title.upper()) == normalise_title(title.lower()) or not title.isascii()
    assert normalise_title(f"  {title}!?. ") == norm


@SETTINGS
@given(WILD)
def test_link_normalisation_and_slugs_are_total_and_iri_safe(name):
    link = pytest.importorskip("kg.link")
    normalised = link.normalise_name(name)
    assert isinstance(normalised, str)
    slug = link.slugify(name)
    assert re.fullmatch(r"[a-z0-9._~-]+", slug), slug
    assert link.slugify(name) == slug


# --------------------------------------------------------------------------- IRIs and Turtle


def assert_valid_iri(node: ox.NamedNode) -> None:
    line = ox.serialize([ox.Triple(node, node, node)], format=ox.RdfFormat.N_TRIPLES)
    parsed = rdflib.Graph().parse(data=line, format="nt")
    (s, p, o), = parsed
    assert str(s) == node.value == str(o)
    assert not re.search(r"[\s<>\"{}|\\^`]", node.value)


@SETTINGS
@given(key=WILD)
def test_any_text_gives_valid_paper_and_entity_iris(key):
    assert_valid_iri(paper_iri(key))
    assert_valid_iri(entity_iri(key))


@SETTINGS
@given(arxiv=st.none() | WILD, doi=st.none() | WILD, title=WILD)
def test_paper_keys_from_any_identifiers_give_valid_iris(arxiv, doi, title):
    key = paper_key(arxiv, doi, title)
    assert_valid_iri(paper_iri(key))


def graph_of(titles: list[str], names: list[str], slugify=None) -> KnowledgeGraph:
    papers = {}
    for i, title in enumerate(titles):
        key = paper_key(None, None, f"{i} {title}")
        papers[key] = Paper(key=key, title=title or "x", abstract=title * 2, authors=(title,), input_id=title or None,
                            organisation=title or None, url=f"https://example.org/{i}", sources=(title,))
    entities, links = {}, []
    paper_keys = list(papers)
    for j, name in enumerate(names):
        type_ = ENTITY_TYPES[j % len(ENTITY_TYPES)]
        key = f"{type_.lower()}/{slugify(name)}" if slugify else f"{type_.lower()}/{name}"
        entities[key] = CanonicalEntity(key=key, type=type_, label=name or "x", aliases=(name,), evidence=(name,))
        if paper_keys:
            paper = papers[paper_keys[j % len(paper_keys)]]
            text = paper.abstract
            mention = Mention(field="abstract", start=0, end=len(text), text=text, sentence=text)
            links.append(Link(paper_key=paper.key, entity_key=key, name=name, role="used", confidence=0.5,
                              mentions=(mention,)))
    return KnowledgeGraph.from_corpus(papers, entities, links, "test-1")


@settings(max_examples=40, deadline=None)
@given(titles=st.lists(TEXT, min_size=1, max_size=4), names=st.lists(TEXT, max_size=4, unique=True))
def test_any_titles_and_names_give_turtle_that_both_parsers_read_and_round_trips(titles, names):
    link = pytest.importorskip("kg.link")
    assume(len({link.slugify(n) for n in names}) == len(names))
    graph = graph_of(titles, names, link.slugify)
    turtle = to_turtle(graph)
    parsed = rdflib.Graph().parse(data=turtle, format="turtle")
    store = ox.Store()
    store.load(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    reference = rdflib.Graph().parse(data=ox.serialize(graph.triples(), format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert len(store) == len(reference) == len(parsed)
    assert isomorphic(parsed, reference)
    again = rdflib.Graph().parse(data=parsed.serialize(format="turtle"), format="turtle")
    assert isomorphic(again, reference)
    assert {str(t) for t in parsed.objects(None, rdflib.URIRef("http://purl.org/dc/terms/title"))} == {
        t or "x" for t in titles}


@pytest.mark.xfail(strict=True, reason="kg.graph.to_turtle abbreviates <.../method/a.> to method:a\\. which is valid "
                   "Turtle (Oxigraph reads it) but rdflib cannot parse; slugs never end in '.', raw keys can")
def test_entity_keys_ending_in_a_dot_give_turtle_rdflib_reads():
    turtle = to_turtle(graph_of(["t"], ["a."]))
    rdflib.Graph().parse(data=turtle, format="turtle")


# --------------------------------------------------------------------------- determinism


@pytest.fixture(scope="module")
def order_inputs(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("order")
    text = ("We propose {0}, fine-tuned from BERT and evaluated on SQuAD and GLUE with accuracy; {0} beats RoBERTa. "
            "We also use Adam and dropout.")
    (folder / "a.jsonl").write_text(
        json.dumps({"id": "2403.00001", "title": "AlphaNet for reading", "abstract": text.format("AlphaNet")}) + "\n"
        + json.dumps({"id": "2403.00002v2", "title": "Shared paper", "abstract": text.format("SharedNet"),
                      "authors": ["Ada Lovelace"]}) + "\n")
    (folder / "b.csv").write_text(
        "title,abstract,id,date\n"
        f"Shared paper,\"{text.format('SharedNet')} Longer.\",2403.00002v1,2024-03-01\n"
        f"BetaNet for images,\"{text.format('BetaNet')} ResNet-50 on ImageNet.\",2403.00003,2024-03-02\n")
    (folder / "c.txt").write_text(
        "GammaNet: a listing paper\n\n" + text.format("GammaNet") * 2 + "\n\n  • 4 authors\n·\nMar 3, 2024 7\n\n")
    return [folder / "a.jsonl", folder / "b.csv", folder / "c.txt"]


def test_same_inputs_in_any_order_give_byte_identical_turtle(order_inputs):
    from kg.pipeline import build

    turtles = {to_turtle(build(list(order), profile="fast")) for order in itertools.permutations(order_inputs)}
    assert len(turtles) == 1
    graph = rdflib.Graph().parse(data=turtles.pop(), format="turtle")
    papers = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("https://w3id.org/kg-ml/ontology#Paper")))
    assert len(papers) == 4  # the shared paper merged across the JSONL and CSV files


def test_records_in_any_order_merge_to_the_same_papers():
    records = [
        Paper(key="arxiv:1", title="A title", abstract="short", sources=("x:1",), upvotes=3),
        Paper(key="arxiv:1", title="A title!", abstract="a longer abstract", sources=("y:2",), date="2024-01-02"),
        Paper(key="title:abc", title="a TITLE", abstract="", sources=("z:3",), author_count=4),
        Paper(key="doi:10.1/x", title="Other", abstract="o", sources=("w:4",)),
    ]
    results = {tuple(sorted(merge_papers(list(order)).items())) for order in itertools.permutations(records)}
    assert len(results) == 1
