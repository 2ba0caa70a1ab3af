"""Tests of the HTML explorer's generated page (kg/export/html.py), without a browser."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re

import pandas as pd
import pytest

from kg.export import html as kg_html
from kg.export.html import NODE_TYPES, RELATIONS, to_html, write_html

SCRIPT_PAYLOAD = "<script>window.__xss = 1; alert(1)</script>"
IMG_PAYLOAD = '<img src=x onerror="window.__xss = 2; alert(2)">'
QUOTES = "it's \"quoted\" & </script><!-- -->"


def tables(extra_title: str = "") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two papers, three entities: every kind of hostile text in titles, labels and evidence."""
    papers = pd.DataFrame(
        [
            {
                "id": "2401.00001",
                "key": "arxiv:2401.00001",
                "iri": "https://w3id.org/kg-ml/id/paper/arxiv-2401.00001",
                "title": "Attack " + SCRIPT_PAYLOAD + extra_title,
                "abstract": "We fine-tune BERT on GLUE. Results are good.",
                "date": "2024-01-02",
                "authors": "A. One; B. Two",
                "author_count": 2,
                "url": "https://arxiv.org/abs/2401.00001",
                "arxiv_id": "2401.00001",
                "doi": "",
            },
            {
                "id": "p2",
                "key": "title:abc",
                "iri": "",
                "title": IMG_PAYLOAD + " line\u2028separator " + QUOTES,
                "abstract": "RoBERTa 🚀 beats BERT.",
                "date": float("nan"),
                "authors": None,
                "author_count": None,
                "url": "javascript:alert(3)",
                "arxiv_id": "",
                "doi": "",
            },
        ]
    )
    entities = pd.DataFrame(
        [
            {"key": "model/bert", "iri": "", "type": "Model", "label": "BERT", "aliases": "BERT-base|bert-large",
             "paper_count": 2, "variant_of": "", "proposed_by": ""},
            {"key": "model/roberta", "iri": "", "type": "Model", "label": "RoBERTa", "aliases": "",
             "paper_count": 1, "variant_of": "model/bert", "proposed_by": "title:abc"},
            {"key": "benchmark/glue", "iri": "", "type": "Benchmark", "label": "GLUE " + IMG_PAYLOAD, "aliases": "",
             "paper_count": 1, "variant_of": "", "proposed_by": ""},
        ]
    )
    links = pd.DataFrame(
        [
            {"paper_key": "arxiv:2401.00001", "entity_key": "model/bert", "relation": "usesModel", "role": "used",
             "confidence": 0.9, "mention_count": 1, "name": "BERT"},
            {"paper_key": "arxiv:2401.00001", "entity_key": "benchmark/glue", "relation": "evaluatesOn",
             "role": "used", "confidence": 0.8, "mention_count": 1, "name": "GLUE"},
            {"paper_key": "title:abc", "entity_key": "model/roberta", "relation": "proposes", "role": "proposed",
             "confidence": 0.95, "mention_count": 1, "name": "RoBERTa"},
            {"paper_key": "title:abc", "entity_key": "model/bert", "relation": "usesModel", "role": "used",
             "confidence": 0.6, "mention_count": 1, "name": "BERT"},
        ]
    )
    mentions = pd.DataFrame(
        [
            {"paper_key": "arxiv:2401.00001", "entity_key": "model/bert", "field": "abstract", "start": 13,
             "end": 17, "text": "BERT", "sentence": "We fine-tune BERT on GLUE.", "sentence_start": 0,
             "confidence": 0.9, "role": "used"},
            {"paper_key": "title:abc", "entity_key": "model/bert", "field": "abstract", "start": 16, "end": 20,
             "text": "BERT", "sentence": "RoBERTa 🚀 beats BERT.", "sentence_start": 0, "confidence": 0.6,
             "role": "used"},
        ]
    )
    return papers, entities, links, mentions


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert match, "no data block"
    return json.loads(match.group(1))


def test_hostile_text_never_appears_as_markup():
    page = to_html(*tables(), title='My <b>"graph"</b>')
    assert "<img" not in page
    assert "onerror=\"" not in page
    assert "<script>window.__xss" not in page
    assert page.count("</script") == 3  # data, vis-network, explorer: nothing can close one early
    assert "\u2028" not in page and "\u2029" not in page
    assert "<title>My &lt;b&gt;&quot;graph&quot;&lt;/b&gt;</title>" in page
    assert "<!--" not in page


def test_embedded_data_round_trips_every_text():
    papers, entities, *_ = tables()
    data = embedded_data(to_html(*tables()))
    titles = {record[0]: record[2] for record in data["papers"]}
    assert titles["arxiv:2401.00001"] == papers.title[0]
    assert titles["title:abc"] == " ".join(papers.title[1].split())  # whitespace (U+2028 too) collapsed
    labels = {record[0]: record[1] for record in data["entities"]}
    assert labels["benchmark/glue"] == entities.label[2]


def test_unsafe_urls_are_dropped_and_arxiv_ids_give_links():
    papers, entities, links, mentions = tables()
    papers.loc[0, "url"] = ""
    data = embedded_data(to_html(papers, entities, links, mentions))
    urls = {record[0]: record[4] for record in data["papers"]}
    assert urls == {"arxiv:2401.00001": "https://arxiv.org/abs/2401.00001", "title:abc": ""}
    assert "javascript:" not in json.dumps(embedded_data(to_html(*tables())))


def test_page_loads_nothing_from_the_network():
    page = to_html(*tables())
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)\s*=", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page, re.I)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy and "http" not in policy


def test_policy_hashes_allow_exactly_the_inline_scripts_and_style():
    page = to_html(*tables())
    policy = re.search(r'content="(default-src[^"]*)"', page).group(1)
    allowed = set(re.findall(r"'sha256-([^']+)'", policy))
    blocks = re.findall(r"<script>(.*?)</script>", page, re.S) + re.findall(r"<style>(.*?)</style>", page, re.S)
    digests = {base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in blocks}
    assert len(blocks) == 3 and digests == allowed


def test_same_tables_in_any_row_order_give_identical_pages():
    papers, entities, links, mentions = tables()
    first = to_html(papers, entities, links, mentions)
    shuffled = [t.iloc[::-1].reset_index(drop=True) for t in (papers, entities, links, mentions)]
    assert to_html(*shuffled) == first
    assert to_html(papers, entities, links, mentions) == first


def test_edges_degrees_relations_and_variants():
    data = embedded_data(to_html(*tables()))
    keys = [r[0] for r in data["papers"]] + [r[0] for r in data["entities"]]
    node = {key: i for i, key in enumerate(keys)}
    edges = {(keys[e[0]], keys[e[1]]): e for e in data["edges"]}
    assert set(edges) == {
        ("arxiv:2401.00001", "model/bert"),
        ("arxiv:2401.00001", "benchmark/glue"),
        ("title:abc", "model/roberta"),
        ("title:abc", "model/bert"),
    }
    assert edges[("title:abc", "model/roberta")][2] == 1 << RELATIONS.index("proposes")
    assert data["nodes"][node["model/bert"]][2] == 2  # degree
    assert data["nodes"][node["model/bert"]][0] == NODE_TYPES.index("Model")
    roberta = data["entities"][node["model/roberta"] - len(data["papers"])]
    assert roberta[4] == node["model/bert"]  # variant_of as a node index
    bert = data["entities"][node["model/bert"] - len(data["papers"])]
    assert bert[3] == ["BERT-base", "bert-large"]


def test_evidence_marks_the_mention_in_utf16_offsets():
    data = embedded_data(to_html(*tables()))
    for paper_index, record in enumerate(data["papers"]):
        for edge in data["edges"]:
            if edge[0] != paper_index or not edge[5]:
                continue
            sentence_index, start, end = edge[5]
            units = record[6][sentence_index].encode("utf-16-le")
            assert units[2 * start : 2 * end].decode("utf-16-le") == "BERT"
    assert sum(1 for e in data["edges"] if e[5]) == 2


def test_mention_offsets_that_do_not_fit_fall_back_to_searching_the_sentence():
    papers, entities, links, mentions = tables()
    mentions.loc[0, ["start", "end"]] = [90, 94]
    mentions.loc[1, "sentence"] = ""  # no sentence: the field text is shown
    data = embedded_data(to_html(papers, entities, links, mentions))
    shown = []
    for edge in data["edges"]:
        if edge[5]:
            text = data["papers"][edge[0]][6][edge[5][0]].encode("utf-16-le")
            shown.append(text[2 * edge[5][1] : 2 * edge[5][2]].decode("utf-16-le"))
    assert shown == ["BERT", "BERT"]


def test_huge_sentences_are_cut_around_the_mention():
    papers, entities, links, mentions = tables()
    sentence = "x" * 50_000 + " BERT " + "y" * 50_000
    mentions.loc[0, ["sentence", "start", "end"]] = [sentence, 50_001, 50_005]
    data = embedded_data(to_html(papers, entities, links, mentions))
    edge = next(e for e in data["edges"] if e[5] and data["papers"][e[0]][0] == "arxiv:2401.00001")
    text = data["papers"][edge[0]][6][edge[5][0]]
    assert len(text) <= kg_html._SENTENCE_MAX + 2
    assert text[edge[5][1] : edge[5][2]] == "BERT"


def test_lone_surrogates_and_control_characters_survive_as_valid_utf8():
    papers, entities, links, mentions = tables()
    papers.loc[0, "title"] = "broken \udcff text \x00 nul \x1b esc"
    page = to_html(papers, entities, links, mentions)
    page.encode("utf-8")  # would raise on a lone surrogate
    titles = [r[2] for r in embedded_data(page)["papers"]]
    assert "broken \ufffd text \x00 nul \x1b esc" in titles


def test_links_to_unknown_nodes_are_dropped_and_missing_columns_named():
    papers, entities, links, mentions = tables()
    extra = pd.DataFrame([{"paper_key": "nope", "entity_key": "model/bert"}])
    data = embedded_data(to_html(papers, entities, pd.concat([links, extra]), mentions))
    assert len(data["edges"]) == 4
    with pytest.raises(ValueError, match="entities table lacks column.*label"):
        to_html(papers, entities.drop(columns=["label"]), links, mentions)


def test_minimal_and_empty_tables_give_a_page():
    empty = to_html(pd.DataFrame(columns=["key"]), pd.DataFrame(columns=["key", "type", "label"]),
                    pd.DataFrame(columns=["paper_key", "entity_key"]), pd.DataFrame(columns=["paper_key", "entity_key"]))
    data = embedded_data(empty)
    assert data["nodes"] == [] and data["edges"] == []
    papers = pd.DataFrame({"key": ["p"]})
    entities = pd.DataFrame({"key": ["task/x"], "type": ["Task"], "label": ["X"]})
    links = pd.DataFrame({"paper_key": ["p"], "entity_key": ["task/x"]})
    data = embedded_data(to_html(papers, entities, links, pd.DataFrame(columns=["paper_key", "entity_key"])))
    assert [n[2] for n in data["nodes"]] == [1, 1]
    assert data["papers"][0][2] == "p"  # no title: the key is shown


def bipartite(n_papers: int, per_paper: int = 4, n_entities: int = 600):
    """A larger paper-entity graph with popular and rare entities, deterministic."""
    papers = pd.DataFrame({"key": [f"p{i:05d}" for i in range(n_papers)],
                           "title": [f"Paper {i}" for i in range(n_papers)]})
    entities = pd.DataFrame({"key": [f"method/m{j}" for j in range(n_entities)], "type": "Method",
                             "label": [f"M{j}" for j in range(n_entities)]})
    rows = []
    for i in range(n_papers):
        chosen = {(i * 7 + k * k * 13) % (1 + (i % n_entities)) for k in range(per_paper)}
        rows += [{"paper_key": f"p{i:05d}", "entity_key": f"method/m{j}", "relation": "usesMethod"} for j in chosen]
    return papers, entities, pd.DataFrame(rows), pd.DataFrame(columns=["paper_key", "entity_key"])


def test_big_graphs_open_on_an_overview_of_at_most_the_target_size():
    data = embedded_data(to_html(*bipartite(1800)))
    degrees = [n[2] for n in data["nodes"]]
    assert len(degrees) == 2400 > kg_html.OVERVIEW_THRESHOLD
    d = data["overviewMinDegree"]
    assert d > 0
    assert sum(1 for x in degrees if x >= d) <= kg_html.OVERVIEW_TARGET < sum(1 for x in degrees if x >= d - 1)
    coordinates = [c for n in data["nodes"] for c in n[3:5]]
    assert all(isinstance(c, int) for c in coordinates)
    assert len({(n[3], n[4]) for n in data["nodes"]}) > 0.95 * len(data["nodes"])  # nodes do not pile up
    small = embedded_data(to_html(*bipartite(100)))
    assert small["overviewMinDegree"] == 0


def test_layout_keeps_linked_nodes_closer_than_unlinked_ones():
    data = embedded_data(to_html(*bipartite(300, n_entities=80)))
    nodes = data["nodes"]
    linked = {(e[0], e[1]) for e in data["edges"]}

    def distance(a, b):
        return math.dist(nodes[a][3:5], nodes[b][3:5])

    edge_mean = sum(distance(a, b) for a, b in linked) / len(linked)
    pairs = [(a, b) for a in range(0, len(nodes), 7) for b in range(3, len(nodes), 11) if a != b]
    assert edge_mean < 0.7 * sum(distance(a, b) for a, b in pairs) / len(pairs)


def test_write_html_writes_the_page_atomically(tmp_path):
    out = tmp_path / "site"
    path = write_html(*tables(), out, title="t")
    assert path == out / "index.html"
    assert path.read_text(encoding="utf-8") == to_html(*tables(), title="t")
    assert [p.name for p in out.iterdir()] == ["index.html"]
    path.write_text("old")
    papers, entities, links, mentions = tables()
    with pytest.raises(ValueError):
        write_html(papers.drop(columns=["key"]), entities, links, mentions, out)
    assert path.read_text() == "old"  # a failed export leaves the previous page
    assert [p.name for p in out.iterdir()] == ["index.html"]
