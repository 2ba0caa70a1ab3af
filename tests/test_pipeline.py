"""End to end: the example corpus becomes a graph with exactly its 247 papers, identical to the committed export."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

import kg
from kg.graph import to_turtle

ROOT = Path(__file__).resolve().parent.parent
PAPER_CLASS = rdflib.URIRef("https://w3id.org/kg-ml/ontology#Paper")


@pytest.fixture(scope="session")
def seeds_graph(seeds):
    return kg.build([seeds])


@pytest.fixture(scope="session")
def seeds_turtle(seeds_graph):
    return to_turtle(seeds_graph)


def test_seeds_graph_holds_exactly_247_papers(seeds_graph, seeds_turtle):
    parsed = rdflib.Graph().parse(data=seeds_turtle, format="turtle")  # an independent parser
    assert len(set(parsed.subjects(rdflib.RDF.type, PAPER_CLASS))) == 247
    assert len(seeds_graph.papers) == 247
    assert seeds_graph.papers.columns[0] == "id"
    assert seeds_graph.report.records == 260 and seeds_graph.report.problems == []


def test_committed_export_is_what_the_readme_command_builds(seeds_turtle):
    committed = ROOT / "exports" / "graph.ttl"
    assert committed.is_file(), "exports/graph.ttl is missing: run the README build command"
    expected = rdflib.Graph().parse(committed, format="turtle")
    rebuilt = rdflib.Graph().parse(data=seeds_turtle, format="turtle")
    assert isomorphic(expected, rebuilt), "exports/ is stale: rebuild it with the README command"


def test_input_order_does_not_change_the_turtle(seeds, seeds_turtle):
    files = sorted(p for p in seeds.iterdir() if p.is_file())
    reversed_graph = kg.build(list(reversed(files)))
    assert to_turtle(reversed_graph) == seeds_turtle


def test_every_link_has_evidence_in_the_text(seeds_graph):
    papers = seeds_graph.papers.set_index("key")
    mentions = seeds_graph.mentions
    assert len(mentions) > 0
    for row in mentions.itertuples(index=False):
        text = papers.loc[row.paper_key, "title" if row.field == "title" else "abstract"]
        assert text[row.start:row.end] == row.text
        assert row.sentence in text and text.index(row.sentence) <= row.start


def test_sparql_answers_and_updates_are_refused(seeds_graph):
    counts = seeds_graph.sparql("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a kgo:Paper }")
    assert counts["n"].tolist() == [247]
    with pytest.raises(PermissionError):
        seeds_graph.sparql("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert seeds_graph.sparql("ASK { ?p kgo:mentions ?e }") is True


def test_related_papers_share_entities(seeds_graph):
    links = seeds_graph.links
    busiest = links["paper_key"].value_counts().index[0]
    paper_id = seeds_graph.papers.set_index("key").loc[busiest, "id"]
    related = seeds_graph.related_papers(paper_id, top=5)
    assert 0 < len(related) <= 5
    mine = set(links.loc[links.paper_key == busiest, "entity_key"])
    for row in related.itertuples(index=False):
        assert set(row.shared_entities.split("; ")) <= mine and row.key != busiest
    assert list(related["score"]) == sorted(related["score"], reverse=True)


def test_networkx_and_rdflib_views(seeds_graph):
    g = seeds_graph.to_networkx()
    kinds = {data["kind"] for _, data in g.nodes(data=True)}
    assert "Paper" in kinds and len(kinds) > 2
    assert g.number_of_edges() == len(seeds_graph.links)
    assert len(seeds_graph.to_rdflib()) == len(seeds_graph)


def test_save_and_load_round_trip(tmp_path, seeds_graph):
    written = seeds_graph.save(tmp_path, html=False)
    assert {"turtle", "papers", "entities", "links", "mentions"} <= set(written)
    assert oct(os.stat(written["turtle"]).st_mode & 0o777) != "0o600"
    loaded = kg.load(tmp_path)
    assert len(loaded) == len(seeds_graph)
    assert loaded.papers.equals(seeds_graph.papers)


def test_raptor_rapper_accepts_the_turtle(tmp_path, seeds_graph, seeds_turtle):
    import shutil
    import subprocess

    rapper = shutil.which("rapper")
    if rapper is None:
        pytest.skip("Raptor's rapper is not installed (apt-get install raptor2-utils)")
    path = tmp_path / "graph.ttl"
    path.write_text(seeds_turtle, encoding="utf-8")
    result = subprocess.run([rapper, "-i", "turtle", "-c", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert f"returned {len(seeds_graph)} triples" in result.stderr


def test_one_node_per_name_on_the_example_corpus(seeds_graph):
    """No two entity nodes differ only by case, hyphens, spacing, plural or a corpus-defined acronym."""
    from collections import defaultdict

    from kg.link import normalise_name

    owners: dict[str, set[str]] = defaultdict(set)
    for row in seeds_graph.entities.itertuples(index=False):
        owners[normalise_name(row.label)].add(row.key)
    clashes = {name: keys for name, keys in owners.items() if len(keys) > 1}
    assert clashes == {}
    # An acronym defined in the corpus names one node, unless it has two different long forms.
    linked = seeds_graph.linked
    for alias, supports in linked.aliases.items():
        keys = {s.entity_key for s in supports}
        if len(keys) > 1:
            labels = {linked.entities[k].label.lower() for k in keys}
            assert len(labels) == len(keys), (alias, labels)
