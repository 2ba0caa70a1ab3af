"""Large graphs take the on-disk paths (store in RocksDB, exports sorted by `sort`): same bytes as in memory."""

from __future__ import annotations

import kg.graph
import kg.pipeline
from kg.export.rdf import to_ntriples, write_ntriples
from kg.graph import KnowledgeGraph, to_turtle, write_turtle


def test_streamed_exports_match_in_memory_ones(tmp_path, monkeypatch):
    graph = KnowledgeGraph.example()
    expected_ttl, expected_nt = to_turtle(graph), to_ntriples(graph)
    monkeypatch.setattr(kg.graph, "LARGE_GRAPH_TRIPLES", 0)
    assert write_turtle(graph, tmp_path / "g.ttl").read_text(encoding="utf-8") == expected_ttl
    assert write_ntriples(graph, tmp_path / "g.nt").read_text(encoding="utf-8") == expected_nt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.nt", "g.ttl"]


def test_large_corpus_builds_an_on_disk_store_with_the_same_graph(tmp_path, data_dir, monkeypatch):
    in_memory = kg.pipeline.build([data_dir / "papers.jsonl"], profile="fast")
    monkeypatch.setattr(kg.pipeline, "LARGE_CORPUS_PAPERS", 1)
    monkeypatch.setattr(kg.pipeline, "_temporary_store", lambda: tmp_path / "store")
    on_disk = kg.pipeline.build([data_dir / "papers.jsonl"], profile="fast")
    assert (tmp_path / "store").is_dir() and any((tmp_path / "store").iterdir())
    assert to_turtle(on_disk) == to_turtle(in_memory)
    assert on_disk.papers.equals(in_memory.papers)
