"""The exports stream tables from the store: same content as the DataFrames, bounded memory."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

import kg
from kg.export import write_exports
from kg.export.html import EvidencePicker, to_html
from kg.export.tables import TABLES, to_csv, write_csv_rows
from kg.graph import TABLE_COLUMNS, table_frame, table_rows
from kg.model import Paper


@pytest.fixture(scope="module")
def seeds_graph(seeds):
    return kg.build([seeds], profile="fast")


@pytest.mark.parametrize("name", TABLES)
def test_streamed_csv_is_the_dataframe_as_csv(seeds_graph, tmp_path, name):
    write_exports(seeds_graph, tmp_path, formats=["csv"])
    frame = seeds_graph.table(name)
    assert list(frame.columns) == list(TABLE_COLUMNS[name])
    assert len(frame) > 10
    assert (tmp_path / f"{name}.csv").read_text(encoding="utf-8") == to_csv(frame)


def test_integer_columns_are_written_as_integers_even_with_gaps(tmp_path):
    graph = kg.KnowledgeGraph.from_papers(
        [Paper("arxiv:2401.00001", "Tuning GPT-4 on GSM8K", author_count=4, upvotes=12),
         Paper("arxiv:2401.00002", "BERT on SQuAD")], profile="fast")
    write_exports(graph, tmp_path, formats=["csv"])
    with (tmp_path / "papers.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert (rows["arxiv:2401.00001"]["author_count"], rows["arxiv:2401.00001"]["upvotes"]) == ("4", "12")
    assert (rows["arxiv:2401.00002"]["author_count"], rows["arxiv:2401.00002"]["upvotes"]) == ("", "")
    papers = graph.papers
    assert str(papers["author_count"].dtype) == "Int64" and papers["author_count"].isna().sum() == 1


def test_page_from_picked_evidence_is_the_page_from_every_mention(seeds_graph):
    papers, entities, links, mentions = (seeds_graph.table(n) for n in TABLES)
    pairs = mentions.groupby(["paper_key", "entity_key"]).size()
    assert (pairs > 1).sum() > 20  # many pairs have several mentions to choose from
    picker = EvidencePicker()
    for row in mentions.to_dict("records"):
        picker.add(row)
    picked = pd.DataFrame(picker.rows(), columns=mentions.columns)
    assert len(picked) == len(pairs) < len(mentions)
    assert to_html(papers, entities, links, picked) == to_html(papers, entities, links, mentions)


def test_exported_page_is_the_page_of_the_full_tables(seeds_graph, tmp_path):
    written = write_exports(seeds_graph, tmp_path, formats=["html"])
    full = to_html(*(seeds_graph.table(n) for n in TABLES))
    assert written["html"].read_text(encoding="utf-8") == full
    assert not (tmp_path / "papers.csv").exists()


def test_table_rows_stream_one_at_a_time(seeds_graph):
    rows = table_rows(seeds_graph.store, "mentions")
    first = next(rows)
    assert len(first) == len(TABLE_COLUMNS["mentions"]) and first[0]
    assert len(table_frame([first, *rows], "mentions")) == len(seeds_graph.mentions)


def test_csv_rows_quote_markup_commas_and_newlines(tmp_path):
    nasty = ['<script>alert("x")</script>', "a,b", "two\nlines", None, 3, 0.25]
    path = write_csv_rows(tmp_path / "t.csv", ["a", "b", "c", "d", "e", "f"], [nasty])
    with path.open(encoding="utf-8", newline="") as handle:
        header, row = list(csv.reader(handle))
    assert row == ['<script>alert("x")</script>', "a,b", "two\nlines", "", "3", "0.25"]


@pytest.mark.parametrize("name", TABLES)
def test_tables_from_the_build_records_are_the_tables_of_its_store(seeds_graph, name):
    """A build answers its tables from the records it filled the store with: same rows, same order."""
    assert seeds_graph.__dict__.get("_records") is not None
    from_records = list(seeds_graph.table_rows(name))
    from_store = list(table_rows(seeds_graph.store, name))
    assert len(from_store) > 10
    assert from_records == from_store


def test_nasty_records_give_the_same_tables_from_records_and_store(tmp_path):
    papers = [
        Paper("arxiv:2401.00001", 'A <b>"quoted"</b> title; with GPT-4 & BERT', abstract="We fine-tune GPT-4 on GSM8K. "
              "BERT is evaluated on SQuAD and GSM8K.", authors=("Zed; Q", "Ann", "Ann"), author_count=3,
              date="--05-12", categories=("cs.CL", "cs.AI"), sources=("b.txt:1", "a.txt:9")),
        Paper("doi:10.1000/x y", "Weird key with space: LoRA adapters", abstract="We propose LoRA-X, using LoRA.",
              date="2024-05", upvotes=0, organisation="Org | Lab"),
        Paper("title:abc", "No abstract: CLIP"),
    ]
    graph = kg.KnowledgeGraph.from_papers(papers, profile="fast")
    for name in TABLES:
        assert list(graph.table_rows(name)) == list(table_rows(graph.store, name)), name


def test_a_changed_store_answers_from_the_store(seeds_graph):
    import pyoxigraph as ox

    graph = kg.KnowledgeGraph.from_papers([Paper("arxiv:2401.00001", "Tuning GPT-4 on GSM8K")], profile="fast")
    before = len(graph.papers)
    iri = ox.NamedNode("https://w3id.org/kg-ml/id/paper/arxiv/2401.00009")
    graph.store.add(ox.Quad(iri, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                            ox.NamedNode("https://w3id.org/kg-ml/ontology#Paper")))
    graph.store.add(ox.Quad(iri, ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal("Added by hand")))
    assert len(graph.papers) == before + 1
