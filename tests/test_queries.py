"""Named queries: parsing, safe parameter rendering, and real answers on the sample graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import queries as Q
from sample_graph import paper_iri, sample_store

KGR = "https://w3id.org/kg-ml/id/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return sample_store()


def run(store, name, **params):
    columns, rows = Q.run(store, name, params)
    return [dict(zip(columns, row)) for row in rows]


def paper(key: str) -> str:
    return paper_iri(key).value


# --- catalogue --------------------------------------------------------------------------

def test_catalogue_has_the_researcher_questions():
    names = {q.name for q in Q.list_queries()}
    assert len(names) >= 12
    assert {"papers-using", "papers-evaluating-on", "top-datasets", "top-benchmarks", "top-methods",
            "top-models", "co-occurring", "proposals", "models-on-benchmark", "entity-counts-by-month",
            "similar-papers", "evidence", "entities-by-type", "proposed-by-month"} <= names


def test_every_query_is_documented_and_its_parameters_declared():
    for q in Q.list_queries():
        assert q.title and q.description, q.name
        for p in q.parameters:
            assert p.kind in Q.KINDS and p.description, (q.name, p.name)


def test_every_query_runs_on_the_sample_graph_with_rows():
    example = {"entity": "DPO", "benchmark": "MMLU", "paper": "2401.00001", "type": "Method"}
    store = sample_store()
    for q in Q.list_queries():
        params = {p.name: example[p.name] for p in q.parameters if p.required}
        columns, rows = Q.select(store, Q.render(q, params))
        assert rows, f"{q.name} returned nothing"
        assert len(columns) == len(rows[0])


# --- answers ----------------------------------------------------------------------------

def test_papers_using_matches_alias_case_insensitively_and_includes_variants(store):
    rows = run(store, "papers-using", entity="llama 2")  # an alias of Llama-2
    assert [r["paper"] for r in rows] == [paper("arxiv:2402.00004"), paper("arxiv:2402.00003"), paper("arxiv:2401.00001")]
    assert {r["label"] for r in rows} == {"Llama-2", "Llama-2 7B"}  # 2401.00001 uses the 7B variant
    assert {r["relation"] for r in rows} == {"usesModel"}
    assert run(store, "papers-using", entity="model/llama-2") == rows  # by key too


def test_papers_using_unknown_entity_is_empty(store):
    assert run(store, "papers-using", entity="no such method") == []


def test_papers_evaluating_on_lists_models(store):
    rows = run(store, "papers-evaluating-on", benchmark="mmlu")
    assert [r["paper"] for r in rows] == [paper("arxiv:2402.00004"), paper("arxiv:2401.00002"), paper("arxiv:2401.00001")]
    assert set(rows[0]["models"].split(" | ")) == {"GPT-4", "Llama-2"}
    # a method is not a benchmark, even when named
    assert run(store, "papers-evaluating-on", benchmark="DPO") == []


def test_top_lists_rank_by_paper_count_then_label(store):
    methods = run(store, "top-methods")
    assert [(r["label"], r["papers"], r["proposedBy"]) for r in methods] == [
        ("DPO", 2, 0), ("LoRA", 2, 0), ("PPO", 2, 0), ("DPO-X", 1, 1)]
    assert [(r["label"], r["papers"]) for r in run(store, "top-benchmarks")] == [("MMLU", 3), ("GSM8K", 1), ("QA-Bench", 1)]
    assert [r["label"] for r in run(store, "top-datasets")] == ["SQuAD", "The Pile"]
    assert [(r["label"], r["papers"]) for r in run(store, "top-models", limit="2")] == [("GPT-4", 2), ("Llama-2", 2)]


def test_co_occurring_methods_exclude_the_entity_and_its_variants(store):
    rows = run(store, "co-occurring", entity="DPO")
    assert [(r["label"], r["papers"]) for r in rows] == [("DPO-X", 1), ("LoRA", 1), ("PPO", 1)]
    models = run(store, "co-occurring", entity="MMLU", type="model")
    assert [(r["label"], r["papers"]) for r in models] == [("GPT-4", 2), ("Llama-2", 1), ("Llama-2 7B", 1)]


def test_proposals_and_models_on_benchmark(store):
    assert [(r["label"], r["type"]) for r in run(store, "proposals")] == [("QA-Bench", "Benchmark"), ("DPO-X", "Method")]
    rows = run(store, "models-on-benchmark", benchmark="QA-Bench")  # proposed there: its paper evaluates on it
    assert [(r["label"], r["papers"]) for r in rows] == [("GPT-4", 1), ("Llama-2", 1)]
    rows = run(store, "models-on-benchmark", benchmark="Massive Multitask Language Understanding")
    assert [(r["label"], r["papers"]) for r in rows] == [("GPT-4", 2), ("Llama-2", 1), ("Llama-2 7B", 1)]


def test_counts_by_month_skip_dates_without_year(store):
    rows = run(store, "entity-counts-by-month")
    counts = {(r["month"], r["type"]): (r["entities"], r["papers"]) for r in rows}
    assert counts[("2024-01", "Method")] == (4, 2)  # DPO-X, DPO, LoRA, PPO
    assert counts[("2024-02", "Model")] == (2, 2)  # Llama-2, GPT-4
    assert {m for m, _ in counts} == {"2024-01", "2024-02"}  # the --03-05 paper has no year
    assert [(r["month"], r["type"], r["proposed"]) for r in run(store, "proposed-by-month")] == [
        ("2024-01", "Method", 1), ("2024-02", "Benchmark", 1)]
    assert [(r["month"], r["papers"]) for r in run(store, "entity-trend", entity="PPO")] == [("2024-01", 1)]


def test_similar_papers_rank_by_shared_entities(store):
    rows = run(store, "similar-papers", paper="arxiv:2401.00001")
    assert rows[0]["other"] == paper("arxiv:2401.00002")
    assert rows[0]["shared"] == 3
    assert set(rows[0]["sharedEntities"].split(" | ")) == {"DPO", "MMLU", "accuracy"}
    assert {r["other"] for r in rows[1:]} == {paper("arxiv:2402.00003"), paper("arxiv:2402.00004")}
    # the same paper named by its title, ignoring case
    assert run(store, "similar-papers", paper="dpo-x: direct preference optimization, extended") == rows


def test_evidence_gives_sentence_and_offsets(store):
    rows = run(store, "evidence", paper="2401.00001", entity="direct preference optimization")
    assert [(r["field"], r["exact"], r["start"], r["end"]) for r in rows] == [
        ("title", "Direct Preference Optimization", 7, 37), ("abstract", "DPO", 31, 34)]
    assert rows[1]["sentence"] == "We propose DPO-X, a variant of DPO."
    assert rows[1]["relation"] == "usesMethod"
    assert rows[1]["extractor"] == KGR + "extractor/0.1.0"


def test_entities_by_type_lists_aliases_and_variants(store):
    rows = {r["label"]: r for r in run(store, "entities-by-type", type="MODEL")}
    assert set(rows) == {"Llama-2", "Llama-2 7B", "GPT-4"}
    assert set(rows["Llama-2"]["aliases"].split(" | ")) == {"LLaMA 2", "Llama 2"}
    assert rows["Llama-2 7B"]["variantOf"] == "Llama-2"
    assert rows["Llama-2"]["papers"] == 2


def test_paper_entities_one_row_per_link_with_the_most_specific_relation(store):
    rows = run(store, "paper-entities", paper="title:5f2a9c")  # key of a paper without arXiv id
    assert [(r["relation"], r["label"], r["mentionCount"]) for r in rows] == [("usesMethod", "PPO", 2)]
    rows = run(store, "paper-entities", paper="2401.00001")
    assert len(rows) == 8
    assert [(r["relation"], r["confidence"]) for r in rows if r["label"] == "DPO-X"] == [("proposes", 0.8)]
    assert [(r["relation"], r["paper"]) for r in run(store, "papers-using", entity="dpo-x")] == [
        ("proposes", paper("arxiv:2401.00001"))]


def test_from_text_parses_a_query_outside_the_catalogue():
    q = Q.NamedQuery.from_text("mine", "# title: t\n# param: n integer = 3  rows\nSELECT * WHERE { ?s ?p ?o } LIMIT $n\n")
    assert (q.name, q.parameters[0].default) == ("mine", "3")
    assert Q.render(q, {"n": "5"}).endswith("LIMIT 5\n")


# --- parameters -------------------------------------------------------------------------

def test_string_values_cannot_inject_sparql(store):
    q = Q.load_query("papers-using")
    evil = 'x")) } DELETE WHERE { ?s ?p ?o } #'
    text = Q.render(q, {"entity": evil})
    assert '"x\\")) } DELETE WHERE { ?s ?p ?o } #"' in text
    assert run(store, "papers-using", entity=evil) == []
    assert len(store) == len(sample_store())  # nothing was deleted


def test_placeholders_in_strings_and_comments_are_left_alone(tmp_path: Path):
    (tmp_path / "q.rq").write_text(
        '# title: t\n# description: d\n# param: x string  a value\n'
        'SELECT * WHERE { ?s ?p $x . FILTER (?p != "$x") } # $x stays\n')
    text = Q.render(Q.load_query("q", tmp_path), {"x": "v"})
    assert text.endswith('SELECT * WHERE { ?s ?p "v" . FILTER (?p != "$x") } # $x stays\n')


def test_errors_name_the_problem():
    q = Q.load_query("top-methods")
    with pytest.raises(Q.QueryError, match="unknown query 'nope'; known queries: .*top-methods"):
        Q.load_query("nope")
    with pytest.raises(Q.QueryError, match="unknown query"):
        Q.load_query("../kg")
    with pytest.raises(Q.QueryError, match="needs parameter 'entity'"):
        Q.render(Q.load_query("papers-using"), {})
    with pytest.raises(Q.QueryError, match="has no parameter 'entiti' .*takes: limit"):
        Q.render(q, {"entiti": "x"})
    with pytest.raises(Q.QueryError, match="must be a non-negative integer, got '5; DROP'"):
        Q.render(q, {"limit": "5; DROP"})
    with pytest.raises(Q.QueryError, match="must be one of Method, Model"):
        Q.render(Q.load_query("entities-by-type"), {"type": "Person"})
    assert "LIMIT 7" in Q.render(q, {"limit": "7"})
    assert "LIMIT 20" in Q.render(q)  # the default


def test_malformed_query_files_are_refused(tmp_path: Path):
    (tmp_path / "a.rq").write_text("# title: t\n# param: x string  doc\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(Q.QueryError, match="a.rq: parameter\\(s\\) x declared but never used"):
        Q.load_query("a", tmp_path)
    (tmp_path / "b.rq").write_text("# title: t\nSELECT * WHERE { ?s ?p $y }\n")
    with pytest.raises(Q.QueryError, match="b.rq: placeholder\\(s\\) \\$y not declared"):
        Q.load_query("b", tmp_path)
    (tmp_path / "c.rq").write_text("# title: t\n# param: s string  doc\nSELECT ?s WHERE { ?s ?p $s }\n")
    with pytest.raises(Q.QueryError, match="\\?s is also a parameter name"):
        Q.load_query("c", tmp_path)
    (tmp_path / "d.rq").write_text("# title: t\n# param: n number  doc\nSELECT * WHERE { ?s ?p $n }\n")
    with pytest.raises(Q.QueryError, match="d.rq: line 2: expected"):
        Q.load_query("d", tmp_path)
