"""The command line, through click's runner: every command, its help, its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

COMMANDS = ["build", "extract", "evaluate", "query", "queries", "entities", "serve"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output and len(result.output) > 200


def test_build_writes_the_contract_files(runner, tmp_path, data_dir):
    out = tmp_path / "out"
    result = runner.invoke(main, ["build", str(data_dir / "papers.jsonl"), str(data_dir / "arxiv.atom"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("graph.ttl", "index.html", "papers.csv", "entities.csv", "mentions.csv", "links.csv"):
        assert (out / name).stat().st_size > 0, name
    assert "5 unique papers" in result.output and "3 problems" in result.output
    assert "warning:" in result.output and "papers.jsonl: line 3" in result.output


def test_unreadable_input_is_one_line_and_exit_2(runner, tmp_path):
    result = runner.invoke(main, ["build", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "nope.jsonl" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o" / "graph.ttl").exists()


def test_extract_follows_the_contract(runner, tmp_path, dev_papers):
    out = tmp_path / "x.json"
    result = runner.invoke(main, ["extract", str(dev_papers), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text())
    papers = {p["id"]: p for p in json.loads(Path(dev_papers).read_text())}
    assert [r["id"] for r in records] == list(papers)
    for record in records:
        assert set(record) == {"id", "title", "entities"}
        for entity in record["entities"]:
            assert set(entity) == {"name", "aliases", "type", "role", "confidence", "mentions"}
            assert entity["type"] in {"Method", "Model", "Dataset", "Benchmark", "Task", "Metric"}
            assert entity["role"] in {"proposed", "used"} and 0 <= entity["confidence"] <= 1
            for mention in entity["mentions"]:
                text = papers[record["id"]][mention["field"]]
                assert text[mention["start"]:mention["end"]] == mention["text"]


def test_query_formats_and_read_only(runner, tmp_path, data_dir):
    out = tmp_path / "g"
    assert runner.invoke(main, ["build", str(data_dir / "papers.jsonl"), "-o", str(out), "--no-html"]).exit_code == 0
    q = "SELECT ?t WHERE { ?p a kgo:Paper ; dcterms:title ?t } ORDER BY ?t"
    as_csv = runner.invoke(main, ["query", str(out), q, "-f", "csv"])
    assert as_csv.exit_code == 0 and as_csv.output.splitlines() == ["t", "First Paper", "Fourth", "Second Paper"]
    as_json = runner.invoke(main, ["query", str(out / "graph.ttl"), q, "-f", "json"])
    assert [r["t"] for r in json.loads(as_json.output)] == ["First Paper", "Fourth", "Second Paper"]
    rq = tmp_path / "count.rq"
    rq.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?p a kgo:Paper }")
    assert runner.invoke(main, ["query", str(out), str(rq)]).output.split() == ["n", "3"]
    update = runner.invoke(main, ["query", str(out), "DELETE WHERE { ?s ?p ?o }"])
    assert update.exit_code == 2 and "read-only" in update.output
    bad = runner.invoke(main, ["query", str(out), "SELECT WHERE {"])
    assert bad.exit_code == 2 and "invalid SPARQL" in bad.output


def test_python_m_kg_runs(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "kg", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "build" in result.stdout


def test_build_all_formats_parse(runner, tmp_path, data_dir):
    import networkx as nx
    import rdflib
    from rdflib.compare import isomorphic

    out = tmp_path / "all"
    result = runner.invoke(main, ["build", str(data_dir / "arxiv.atom"), "-o", str(out), "--formats", "all", "-q"])
    assert result.exit_code == 0, result.output
    turtle = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    assert isomorphic(turtle, rdflib.Graph().parse(out / "graph.nt", format="nt"))
    assert isomorphic(turtle, rdflib.Graph().parse(out / "graph.jsonld", format="json-ld"))
    assert nx.read_graphml(out / "graph.graphml").number_of_nodes() >= 2
    bad = runner.invoke(main, ["build", str(data_dir / "arxiv.atom"), "-o", str(out), "--formats", "pdf"])
    assert bad.exit_code == 2 and "--formats" in bad.output


def test_entities_lists_and_filters(runner, tmp_path, data_dir):
    out = tmp_path / "g"
    assert runner.invoke(main, ["build", str(data_dir / "arxiv.atom"), "-o", str(out), "--no-html", "-q"]).exit_code == 0
    listed = runner.invoke(main, ["entities", str(out), "-f", "json"])
    rows = json.loads(listed.output)
    assert listed.exit_code == 0 and rows and {"key", "type", "label", "aliases", "paper_count"} <= set(rows[0])
    first = rows[0]
    only = runner.invoke(main, ["entities", str(out), "--type", first["type"], "--search", first["label"][:4], "-f", "json"])
    assert first["key"] in [r["key"] for r in json.loads(only.output)]


def test_build_reuses_the_extraction_cache(runner, tmp_path, data_dir):
    out = tmp_path / "cached"
    args = ["build", str(data_dir / "papers.jsonl"), "-o", str(out), "--no-html", "-q"]
    assert runner.invoke(main, args).exit_code == 0
    first = (out / "graph.ttl").read_bytes()
    assert (out / ".kg-cache").is_dir()
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and "3 extractions from cache" in again.output
    assert (out / "graph.ttl").read_bytes() == first
    fresh = runner.invoke(main, [*args, "--no-cache"])
    assert fresh.exit_code == 0 and "from cache" not in fresh.output


def test_extract_progress_is_paced_over_the_whole_run(runner, tmp_path):
    # 250 papers: above the 200 that turn progress on; one line per ~2 s and a last one, not one per paper.
    papers = tmp_path / "many.jsonl"
    papers.write_text("".join(json.dumps({"id": f"p{i}", "title": f"Paper {i} on GSM8K", "abstract": "We use LoRA."}) + "\n"
                              for i in range(250)))
    import subprocess
    import sys

    # A process of its own, as a user runs it (stderr is no terminal: one line per progress report).
    result = subprocess.run([sys.executable, "-m", "kg", "extract", str(papers), "-o", str(tmp_path / "x.json"),
                             "--profile", "fast"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("extracting:")]
    assert lines and lines[-1].startswith("extracting: 250/250 papers")
    assert len(lines) < 20, lines[:5]


def test_extract_unwritable_output_is_one_line_and_exit_2(runner, tmp_path, data_dir):
    blocker = tmp_path / "afile"
    blocker.write_text("")
    result = runner.invoke(main, ["extract", str(data_dir / "papers.json"), "-o", str(blocker / "x.json"), "-q"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.strip().count("\n") == 0
    assert "afile" in result.output and result.output.startswith("kg: error:")


@pytest.mark.parametrize("command", [["query", "{folder}", "ASK {}"], ["entities", "{folder}"], ["report", "{folder}"]])
def test_folder_without_graph_names_the_missing_file(runner, tmp_path, command):
    folder = tmp_path / "not-built"
    folder.mkdir()
    result = runner.invoke(main, [str(folder) if arg == "{folder}" else arg for arg in command])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0
    assert result.output.startswith(f"kg: error: {folder / 'graph.ttl'}: cannot load graph")


def test_query_keeps_an_ill_typed_literal_as_text(runner, tmp_path):
    graph = tmp_path / "odd.ttl"
    graph.write_text('<urn:a> <urn:n> "many"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
    result = runner.invoke(main, ["query", str(graph), "SELECT ?n WHERE { ?s <urn:n> ?n }", "-f", "csv"])
    assert result.exit_code == 0 and result.output.splitlines() == ["n", "many"]


def test_build_tells_which_stage_it_is_in_on_stderr(runner, tmp_path, data_dir):
    result = runner.invoke(main, ["build", str(data_dir / "papers.json"), "-o", str(tmp_path / "out"),
                                  "--profile", "fast"])
    assert result.exit_code == 0, result.output
    stages = [line.split("] ", 1)[1] for line in result.stderr.splitlines() if line.startswith("[")]
    assert stages[0].startswith("linking the entities of") and stages[1].startswith("building the graph of")
    assert stages[2:] == ["writing graph.ttl", "writing the CSV tables", "writing index.html"]
    assert "writing" not in result.stdout  # the summary stays alone on stdout
    quiet = runner.invoke(main, ["build", str(data_dir / "papers.json"), "-o", str(tmp_path / "q"), "--profile", "fast",
                                 "-q"])
    assert quiet.exit_code == 0 and not [l for l in quiet.stderr.splitlines() if l.startswith("[")]
