"""The build's speed paths (parallel jobs, batch sizes, stage timings) change nothing in the graph."""

from __future__ import annotations

import json

import pytest

import kg.pipeline

from kg.graph import to_turtle
from kg.pipeline import MAX_EXTRACT_CHARS, build, extract_papers, for_extraction
from kg.model import Paper


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared):
    papers = json.loads((shared / "gold" / "dev_papers.json").read_text(encoding="utf-8"))[:20]
    path = tmp_path_factory.mktemp("perf") / "papers.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial(corpus):
    return build([corpus], profile="fast")


def test_two_jobs_give_the_same_turtle(corpus, serial):
    parallel = build([corpus], profile="fast", jobs=2, batch_size=4)
    assert parallel.report.extracted == 20
    assert to_turtle(parallel) == to_turtle(serial)


def test_batch_size_does_not_change_the_graph(corpus, serial):
    assert to_turtle(build([corpus], profile="fast", batch_size=3)) == to_turtle(serial)


def test_report_times_each_stage(serial):
    assert set(serial.report.seconds) == {"read", "extract+link", "graph"}
    assert all(s >= 0 for s in serial.report.seconds.values())
    assert (serial.report.extracted, serial.report.cached) == (20, 0)


def test_huge_abstract_is_cut_for_extraction_only(monkeypatch):
    assert MAX_EXTRACT_CHARS >= 100_000
    monkeypatch.setattr(kg.pipeline, "MAX_EXTRACT_CHARS", 200)  # the same code path, on a small text
    abstract = "We evaluate on MMLU and GSM8K. " * 20
    paper = Paper(key="arxiv:1", title="T", abstract=abstract)
    cut = for_extraction(paper)
    assert len(cut.abstract) == 200 and abstract.startswith(cut.abstract)
    (x,) = extract_papers([paper], profile="fast")
    ends = [m.end for e in x.entities for m in e.mentions if m.field == "abstract"]
    assert ends and max(ends) <= 200
