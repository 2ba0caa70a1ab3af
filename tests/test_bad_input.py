"""The bad-input corpus (``tests/bad_inputs/``), read by the readers and built by the real CLI.

Every case must give: no traceback; a clear message naming the file and the record, line,
entry or ``file`` (a ReadProblem warning, or a one-line ``InputError`` with exit status 2);
every good record kept (counted); and Turtle that rdflib and Oxigraph both parse and that
round-trips. What each file holds and must give is in ``tests/bad_inputs/make_corpus.py``.

Records after a syntax break that a parser cannot re-synchronise on (a broken JSON list,
an unterminated CSV quote, a mismatched XML tag) are reported ("rest of file skipped") and
counted in ``Case.lost_in_broken_syntax``; no valid record of a readable file is lost.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from kg.cli import main
from kg.load import InputError, iter_papers, merge_papers

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
_spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
sys.modules["make_corpus"] = corpus  # dataclasses look their module up there
_spec.loader.exec_module(corpus)  # type: ignore[union-attr]
CASES = {case.name: case for case in corpus.CASES}
READABLE = [name for name, case in CASES.items() if not case.error]
UNREADABLE = [name for name, case in CASES.items() if case.error]

KGO = "https://w3id.org/kg-ml/ontology#"
TITLE = rdflib.URIRef("http://purl.org/dc/terms/title")
PLACE = re.compile(r"^(line \d+( column \d+)?|after line \d+|record \d+|entry \d+|file|byte \d+ \(uncompressed\))$")
WARNING = re.compile(r"^warning: (?P<path>.+?): (?P<place>[^:]+): (?P<message>.+)$")


def read(path: Path):
    """Papers and problems as the build sees them: every record read, then merged."""
    problems = []
    records = list(iter_papers([path], on_problem=problems.append))
    merged = merge_papers(records, on_problem=problems.append)
    return records, merged, problems


def allowed_title(title: str, case) -> bool:
    return title.startswith("Good") or title in case.titles or title in corpus.NASTY_TITLES or "paper" in title


# --------------------------------------------------------------------------- the corpus itself


def test_corpus_has_at_least_50_cases_across_every_reader():
    assert len(CASES) >= 50
    prefixes = {name.split("_")[0] for name in CASES}
    assert {"hf", "json", "jsonl", "csv", "tsv", "atom"} <= prefixes
    assert any(name.endswith(".gz") for name in CASES)


def test_corpus_files_are_what_the_script_makes():
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file() and p.suffix != ".py" and not p.name.startswith(".")}
    assert on_disk == set(CASES), "run: python tests/bad_inputs/make_corpus.py"
    for name, case in CASES.items():
        assert (CORPUS / name).read_bytes() == case.data, f"{name} is stale: run tests/bad_inputs/make_corpus.py"


# --------------------------------------------------------------------------- readers


@pytest.mark.parametrize("name", READABLE)
def test_reader_keeps_every_good_record_and_names_each_problem(name):
    case = CASES[name]
    path = CORPUS / name
    records, merged, problems = read(path)
    if case.kept >= 0:
        assert len(records) == case.kept, [p.title for p in records]
        assert len(merged) == case.papers
    else:
        assert len(records) >= case.min_kept
    for problem in problems:
        assert problem.path in (str(path), path.name), problem  # merge warnings name the source file
        assert PLACE.match(problem.location), problem
        assert "\n" not in str(problem) and problem.message
    for place in case.places:
        assert any(p.location.startswith(place) for p in problems), (place, [str(p) for p in problems])
    titles = {p.title for p in records}
    assert set(case.titles) <= titles, titles
    assert all(allowed_title(t, case) for t in titles), titles
    for paper in records:
        assert paper.title == " ".join(paper.title.split()) and "\x00" not in paper.title + paper.abstract
        assert not re.search(r"[\ud800-\udfff]", paper.title + paper.abstract)
        paper.title.encode("utf-8")


@pytest.mark.parametrize("name", UNREADABLE)
def test_unreadable_file_is_one_input_error_naming_it(name):
    path = CORPUS / name
    with pytest.raises(InputError) as caught:
        list(iter_papers([path]))
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message and len(message) < 200


def test_a_folder_keeps_every_good_record_and_skips_unreadable_files(tmp_path):
    """All cases in one folder: files that are no paper files are reported and skipped, not fatal."""
    for name, case in CASES.items():
        (tmp_path / name).write_bytes(case.data)
    problems = []
    records = list(iter_papers([tmp_path], on_problem=problems.append))
    expected = sum(max(c.kept, c.min_kept) for c in CASES.values() if not c.error)
    assert len(records) >= expected
    skipped = {Path(p.path).name for p in problems if p.message.startswith("skipped:")}
    assert skipped == set(UNREADABLE)


# --------------------------------------------------------------------------- the real CLI


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def build(runner: CliRunner, inputs: list[Path], out: Path, *extra: str):
    result = runner.invoke(main, ["build", *map(str, inputs), "-o", str(out), "--no-html", "--profile", "fast", *extra])
    assert "Traceback" not in result.output, result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def check_turtle(ttl: Path, papers: int, titles: tuple[str, ...] = ()) -> rdflib.Graph:
    """Both parsers read the Turtle, agree, and a round trip through each serialiser is isomorphic."""
    data = ttl.read_bytes()
    graph = rdflib.Graph().parse(data=data, format="turtle")
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.TURTLE)
    assert len(store) == len(graph)
    again = rdflib.Graph().parse(data=graph.serialize(format="turtle"), format="turtle")
    assert isomorphic(graph, again)
    via_oxigraph = rdflib.Graph().parse(data=ox.serialize(store, format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert isomorphic(graph, via_oxigraph)
    found = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(KGO + "Paper")))
    assert len(found) == papers
    graph_titles = {str(t) for t in graph.objects(None, TITLE)}
    assert set(titles) <= graph_titles
    return graph


@pytest.mark.parametrize("name", READABLE)
def test_build_through_the_cli(runner, tmp_path, name):
    case = CASES[name]
    path = CORPUS / name
    result = build(runner, [path], tmp_path / "out")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    warnings = [WARNING.match(line) for line in lines if line.startswith("warning:")]
    for match in warnings:
        assert match, lines
        if match["path"] != "more problems follow; only counted from here":
            assert match["path"] in (str(path), path.name) and PLACE.match(match["place"]), match.group(0)
    for place in case.places:
        assert any(m["place"].startswith(place) for m in warnings if m), (place, lines)
    summary = next(line for line in lines if "records read" in line)
    if case.kept >= 0:
        assert summary.startswith(f"{case.kept} records read, {case.papers} unique papers"), summary
    if case.papers == 0 and case.kept >= 0:
        return
    ttl = tmp_path / "out" / "graph.ttl"
    papers = int(re.search(r"(\d+) unique papers", summary).group(1))
    check_turtle(ttl, papers, case.titles if case.unique is None else ())


@pytest.mark.parametrize("name", UNREADABLE)
def test_unreadable_input_exits_2_with_one_line(runner, tmp_path, name):
    result = build(runner, [CORPUS / name], tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and name in result.output and result.output.startswith("kg: error:")
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_duplicate_ids_with_conflicting_content_merge_into_one_paper_with_a_warning(runner, tmp_path):
    result = build(runner, [CORPUS / "json_duplicate_conflict.json"], tmp_path / "out")
    assert "record 2: duplicate of arxiv:2401.00001" in result.output and "titles differ" in result.output
    graph = check_turtle(tmp_path / "out" / "graph.ttl", 2)
    paper = rdflib.URIRef("https://w3id.org/kg-ml/id/paper/arxiv/2401.00001")
    # The richest metadata is kept: the longer title and abstract, both sources.
    assert str(graph.value(paper, TITLE)) == "A different title"
    assert "BetaNet" in str(graph.value(paper, rdflib.URIRef("http://purl.org/dc/terms/abstract")))
    sources = {str(s) for s in graph.objects(paper, rdflib.URIRef(KGO + "source"))}
    assert sources == {"json_duplicate_conflict.json:1", "json_duplicate_conflict.json:2"}


def test_versions_of_one_paper_merge_without_a_warning(tmp_path):
    records, merged, problems = read(CORPUS / "jsonl_versions_of_one_paper.jsonl")
    assert len(records) == 4 and list(merged) == ["arxiv:2401.00001", "arxiv:2401.00002"]
    assert problems == []


def test_every_case_at_once_in_one_build(runner, tmp_path):
    """The whole readable corpus as one folder: one build, every file's problems named, valid Turtle."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in CASES:
        (folder / name).write_bytes(CASES[name].data)
    result = build(runner, [folder], tmp_path / "out")
    assert result.exit_code == 0, result.output
    check_turtle(tmp_path / "out" / "graph.ttl", int(re.search(r"(\d+) unique papers", result.output).group(1)))


# --------------------------------------------------------------------------- huge fields (made at test time)

BIG = 10 * 1024 * 1024


def big_abstract() -> str:
    sentence = "We train a transformer on ImageNet and report accuracy on CIFAR-10 with careful ablations. "
    return (sentence * (BIG // len(sentence) + 1))[:BIG]


def test_a_10_mb_abstract_is_kept_whole_and_exported(runner, tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps({"id": "2401.00001", "title": "Good huge paper", "abstract": big_abstract()}) + "\n"
                    + json.dumps(corpus.rec(2)) + "\n")
    result = build(runner, [path], tmp_path / "out")
    assert result.exit_code == 0 and "2 records read, 2 unique papers" in result.output, result.output
    store = ox.Store()
    store.bulk_load(path=str(tmp_path / "out" / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    abstracts = [len(s["a"].value) for s in store.query(
        "SELECT ?a WHERE { ?p <http://purl.org/dc/terms/abstract> ?a }")]
    assert sorted(abstracts)[-1] == len(big_abstract().strip())
    assert len(abstracts) == 2


@pytest.mark.parametrize("layout", ["csv", "tsv", "hf", "atom", "json"])
def test_a_10_mb_abstract_in_every_layout_is_kept(tmp_path, layout):
    text = big_abstract().strip()
    if layout in ("csv", "tsv"):
        sep = "," if layout == "csv" else "\t"
        data = corpus.csv_text([corpus.HEADER, ["Good huge paper", text, "2401.00001"], *corpus.good_rows(2)], sep=sep)
    elif layout == "hf":
        data = corpus.hf(("Good huge paper", text), *corpus.good_hf(2))
    elif layout == "atom":
        data = corpus.atom(corpus.entry(1, title="Good huge paper", summary=text), corpus.entry(2))
    else:
        data = json.dumps([corpus.rec(1, title="Good huge paper", abstract=text), corpus.rec(2)])
    path = tmp_path / f"huge.{layout if layout != 'hf' else 'txt'}"
    path.write_text(data)
    records, _, problems = read(path)
    assert [p.title for p in records] == ["Good huge paper", "Good paper 2"], problems
    assert len(records[0].abstract) == len(text)


# --------------------------------------------------------------------------- escaping in the exports


def test_nasty_titles_survive_into_turtle_csv_and_html_unchanged_and_inert(runner, tmp_path):
    case = CASES["jsonl_nasty_titles.jsonl"]
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(CORPUS / case.name), "-o", str(out), "--profile", "fast"])
    assert result.exit_code == 0, result.output
    check_turtle(out / "graph.ttl", len(case.titles), case.titles)
    import pandas as pd

    papers = pd.read_csv(out / "papers.csv", keep_default_na=False)
    assert set(case.titles) <= set(papers["title"])
    html = (out / "index.html").read_text(encoding="utf-8")
    for payload in ("<script>alert('xss')</script>", '<img src=x onerror="alert(1)">'):
        assert payload not in html  # only ever present escaped; test_html_browser.py runs it in Chromium


# --------------------------------------------------------------------------- SPARQL: read-only, time-limited

UPDATES = [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "insert data { <http://a> <http://b> <http://c> }",
    "# a comment first\nDELETE WHERE { ?s ?p ?o }",
    "PREFIX kgo: <https://w3id.org/kg-ml/ontology#>\nDELETE WHERE { ?s kgo:title ?o }",
    "PREFIX : <http://x#> # note with > and <\n  # another\nINSERT DATA { :a :b :c }",
    "BASE <http://x/> LOAD <http://example.org/data.ttl>",
    "  \n\tclear all",
    "drop all",
    "create graph <http://g>",
    "COPY DEFAULT TO <http://g>",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <http://a> <http://b> <http://c> }",
]


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sparql") / "graph.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\n" + "".join(f"ex:s{i} ex:p{i % 7} ex:o{i % 13} .\n"
                                                                       for i in range(400)))
    return path


@pytest.mark.parametrize("update", UPDATES)
def test_query_refuses_every_update_with_one_line(runner, small_graph, update):
    before = small_graph.read_bytes()
    result = runner.invoke(main, ["query", str(small_graph), update])
    assert result.exit_code == 2 and result.output.startswith("kg: error:") and result.output.count("\n") == 1
    assert "Traceback" not in result.output
    if ";" not in update:  # one update alone is named as such; a query glued to one is a syntax error
        assert "updates are refused" in result.output, result.output
    assert small_graph.read_bytes() == before


def test_query_with_update_words_in_a_string_still_runs(runner, small_graph):
    result = runner.invoke(main, ["query", str(small_graph), 'SELECT ?s WHERE { ?s ?p "insert data" }'])
    assert result.exit_code == 0 and "(no results)" in result.output


def test_query_stops_at_its_time_limit(runner, small_graph):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    result = runner.invoke(main, ["query", str(small_graph), slow, "--timeout", "0.5"])
    assert result.exit_code == 2 and "ran longer than 0.5 s" in result.output and result.output.count("\n") == 1
