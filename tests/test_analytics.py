"""Analytics on the NetworkX view: projection, centrality, communities, co-occurrence, trends."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pytest
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

from kg import analytics
from kg.analytics import graph_from_pairs
from kg.graph import KnowledgeGraph


@pytest.fixture
def example() -> nx.Graph:
    return KnowledgeGraph.example().to_networkx()


def test_entity_graph_weights_count_shared_papers(example):
    projection = analytics.entity_graph(example)
    assert projection["model/llama-2"]["benchmark/mmlu"]["weight"] == 2
    assert projection["model/gpt-4"]["benchmark/mmlu"]["weight"] == 1
    assert not projection.has_edge("model/gpt-4", "method/dpo")
    assert projection.nodes["benchmark/mmlu"]["papers"] == 3
    assert all(d["kind"] != "Paper" for _, d in projection.nodes(data=True))
    only = analytics.entity_graph(example, types=["Model", "Benchmark"])
    assert {d["kind"] for _, d in only.nodes(data=True)} == {"Model", "Benchmark"}


def test_pagerank_matches_networkx_reference():
    g = nx.gnm_random_graph(40, 90, seed=3)
    g.add_node(99)  # dangling
    for i, (a, b) in enumerate(g.edges):
        g[a][b]["weight"] = 1 + i % 4
    ours = analytics._pagerank(g)
    reference = _pagerank_python(g, weight="weight", tol=1e-12, max_iter=500)
    assert math.isclose(sum(ours.values()), 1.0, rel_tol=1e-9)
    assert all(math.isclose(ours[n], reference[n], abs_tol=1e-7) for n in g)


def test_centrality_ranks_within_each_type(example):
    table = analytics.centrality(example)
    assert list(table.columns) == ["key", "type", "label", "papers", "degree", "pagerank", "betweenness", "rank"]
    assert len(table) == 8
    for _, group in table.groupby("type"):
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert group["pagerank"].is_monotonic_decreasing
    assert table["type"].tolist() == sorted(table["type"], key=["Method", "Model", "Dataset", "Benchmark",
                                                                  "Task", "Metric"].index)
    mmlu = table.set_index("key").loc["benchmark/mmlu"]
    assert (mmlu["papers"], mmlu["degree"], mmlu["rank"]) == (3, 7, 1)
    exact = nx.betweenness_centrality(analytics.entity_graph(example), normalized=True)
    assert math.isclose(mmlu["betweenness"], exact["benchmark/mmlu"], abs_tol=1e-6)


def test_centrality_filters_and_skips_betweenness(example):
    models = analytics.centrality(example, type="Model", top=1, betweenness=False)
    assert models["label"].tolist() == ["Llama-2"] and models["betweenness"].isna().all()
    assert analytics.centrality(nx.Graph()).empty


def test_communities_split_unconnected_groups_deterministically():
    g = graph_from_pairs([("p1", "method/dpo"), ("p1", "model/gpt-4"), ("p2", "method/dpo"), ("p2", "model/gpt-4"),
                          ("p3", "method/lora"), ("p3", "model/llama-2"), ("p3", "dataset/the-pile")])
    g.add_node("p4", kind="Paper", label="alone", date=None)
    membership = analytics.communities(g)
    assert set(membership) == set(g.nodes)
    assert membership["method/lora"] == membership["p3"] == 0  # largest first (4 nodes)
    assert membership["method/dpo"] == membership["p1"] == membership["p2"] == 1
    assert membership["p4"] == 2
    assert analytics.communities(g) == membership
    entities = analytics.communities(g, nodes="entities")
    assert set(entities) == {n for n, k in g.nodes(data="kind") if k != "Paper"}
    with pytest.raises(ValueError):
        analytics.communities(g, nodes="papers")


def test_community_table_lists_members(example):
    membership = analytics.communities(example)
    table = analytics.community_table(example, membership)
    assert table["size"].sum() == example.number_of_nodes()
    assert table["community"].tolist() == sorted(set(membership.values()))
    assert (table["papers"] + table["entities"] == table["size"]).all()


def test_cooccurrence_crosstab_counts_papers(example):
    table = analytics.cooccurrence(example, "Model", "Benchmark")
    assert table.index.name == "Model" and table.columns.name == "Benchmark"
    assert table.loc["Llama-2", "MMLU"] == 2 and table.loc["GPT-4", "GSM8K"] == 0
    assert table.to_numpy().sum() == analytics.cooccurrence_pairs(example, "Model", "Benchmark")["papers"].sum()
    assert analytics.cooccurrence(example, "Model", "Benchmark", top=1).shape == (1, 1)


def test_cooccurrence_of_one_type_is_symmetric_without_self_pairs(example):
    table = analytics.cooccurrence(example, "Method", "Method")
    assert (table.loc["DPO", "LoRA"], table.loc["LoRA", "DPO"]) == (1, 1)
    assert table.loc["DPO"].get("DPO", 0) == 0


def test_cooccurrence_labels_stay_distinct_and_empty_is_empty():
    g = graph_from_pairs([("p1", "model/a"), ("p1", "benchmark/x"), ("p2", "model/b"), ("p2", "benchmark/x")])
    g.nodes["model/a"]["label"] = g.nodes["model/b"]["label"] = "Same"
    table = analytics.cooccurrence(g, "Model", "Benchmark")
    assert sorted(table.index) == ["Same (model/a)", "Same (model/b)"]
    empty = analytics.cooccurrence(g, "Task", "Metric")
    assert empty.empty and empty.index.name == "Task"


def test_trends_place_dated_papers_and_skip_the_rest():
    g = graph_from_pairs(
        [("p1", "benchmark/mmlu"), ("p2", "benchmark/mmlu"), ("p3", "benchmark/mmlu"), ("p4", "benchmark/mmlu"),
         ("p5", "benchmark/mmlu"), ("p5", "model/gpt-4"), ("p6", "benchmark/mmlu")],
        dates={"p1": "2023-11-02", "p2": "2024-02", "p3": "--07-22", "p4": "2024", "p5": "2024-02-28"},
    )
    monthly = analytics.trends(g)
    assert isinstance(monthly.index, pd.PeriodIndex)
    assert [str(p) for p in monthly.index] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert monthly["mmlu"].tolist() == [1, 0, 0, 2]
    assert monthly["gpt-4"].tolist() == [0, 0, 0, 1]
    assert monthly.attrs["skipped"] == {"no date": 1, "no year": 1, "year only": 1}
    assert monthly.attrs["dated_papers"] == 3
    yearly = analytics.trends(g, freq="Y", type="Benchmark")
    assert list(yearly.columns) == ["mmlu"] and yearly["mmlu"].tolist() == [1, 3]  # "2024" counts here
    assert analytics.trends(g, freq="Q", top=1).columns.tolist() == ["mmlu"]
    with pytest.raises(ValueError, match="freq"):
        analytics.trends(g, freq="W")


def test_trends_without_any_year(example):
    undated = graph_from_pairs([("p1", "model/a")], dates={"p1": "--01-05"})
    frame = analytics.trends(undated)
    assert frame.empty and frame.attrs["skipped"] == {"no year": 1}


def test_graph_methods_use_the_same_analytics(example):
    graph = KnowledgeGraph.example()
    pd.testing.assert_frame_equal(graph.centrality(), analytics.centrality(example))
    assert graph.communities() == analytics.communities(example)
    pd.testing.assert_frame_equal(graph.cooccurrence_table("Model", "Benchmark"),
                                  analytics.cooccurrence(example, "Model", "Benchmark"))
    pd.testing.assert_frame_equal(graph.trends(), analytics.trends(example))
