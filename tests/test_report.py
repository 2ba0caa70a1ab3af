"""kg report: the static summary page (inline SVG, no script, no network, every text escaped)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from kg.analytics import graph_from_pairs
from kg.cli import main
from kg.graph import KnowledgeGraph
from kg.model import CanonicalEntity, Link, Mention, Paper
from kg.report import REPORT_FILE, to_report, write_report

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class _Elements(HTMLParser):
    """Collects tags, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    return parser


def _hostile_graph() -> KnowledgeGraph:
    title = f"A paper {PAYLOAD}"
    abstract = f"We use {PAYLOAD} and GPT-4 on MMLU."
    papers = {"arxiv:2401.00001": Paper("arxiv:2401.00001", title, abstract, date="2024-01-02"),
              "arxiv:2402.00002": Paper("arxiv:2402.00002", "Second", "GPT-4 on MMLU.", date="2024-02-02")}
    entities = {"model/evil": CanonicalEntity("model/evil", "Model", PAYLOAD),
                "model/gpt-4": CanonicalEntity("model/gpt-4", "Model", "GPT-4"),
                "benchmark/mmlu": CanonicalEntity("benchmark/mmlu", "Benchmark", "MMLU")}
    start = abstract.index(PAYLOAD)
    links = [
        Link("arxiv:2401.00001", "benchmark/mmlu", "MMLU", "used", 0.9),
        Link("arxiv:2401.00001", "model/evil", PAYLOAD, "used", 0.9,
             (Mention("abstract", start, start + len(PAYLOAD), PAYLOAD, abstract, 0),)),
        Link("arxiv:2401.00001", "model/gpt-4", "GPT-4", "used", 0.9),
        Link("arxiv:2402.00002", "benchmark/mmlu", "MMLU", "used", 0.9),
        Link("arxiv:2402.00002", "model/gpt-4", "GPT-4", "used", 0.9),
    ]
    return KnowledgeGraph.from_corpus(papers, entities, links, "test")


def test_report_shows_counts_top_entities_trends_cooccurrence_and_communities():
    page = to_report(KnowledgeGraph.example())
    parsed = _parse(page)
    headings = [t for t in parsed.text if t in ("Entities per type", "Top entities", "Trends", "Co-occurrence",
                                                "Communities")]
    assert headings == ["Entities per type", "Top entities", "Trends", "Co-occurrence", "Communities"]
    assert "4 papers, 8 entities, 14 paper–entity links" in page
    for label in ("MMLU", "GSM8K", "Llama-2", "GPT-4", "DPO", "LoRA", "The Pile", "accuracy"):
        assert label in parsed.text
    svgs = [t for t, _ in parsed.tags if t == "svg"]
    assert len(svgs) >= 8
    assert "Model × Benchmark" in page
    # trends: 2 of 4 papers are placed; the month-day date and the undated one are said to be skipped
    assert "2 papers are placed in time." in page
    assert "1 paper has a month and day but no year" in page
    assert "2024-01" in parsed.text and "2024-03" in parsed.text


def test_report_is_offline_scriptless_and_deterministic():
    graph = KnowledgeGraph.example()
    page = to_report(graph)
    tags = _parse(page).tags
    assert not [t for t, _ in tags if t in ("script", "iframe", "link", "img", "object", "embed")]
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on") or a == "src"]
    csp = next(attrs["content"] for t, attrs in tags if t == "meta" and attrs.get("http-equiv"))
    assert "default-src 'none'" in csp and "unsafe" not in csp
    assert re.findall(r"https?://[^\s\"'<]+", page) == ["http://www.w3.org/2000/svg"] * page.count("<svg")
    assert to_report(graph) == page


def test_report_escapes_every_text_from_the_graph():
    page = to_report(_hostile_graph())
    parsed = _parse(page)
    assert [t for t, _ in parsed.tags if t in ("script", "img")] == []
    assert any(PAYLOAD[:20] in text for text in parsed.text)  # shown as text, not markup
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_write_report_links_the_explorer_when_present(tmp_path: Path):
    graph = KnowledgeGraph.example()
    alone = write_report(graph, tmp_path / "alone")
    assert alone == tmp_path / "alone" / REPORT_FILE
    assert 'href="index.html"' not in alone.read_text(encoding="utf-8")
    graph.save(tmp_path / "export")
    path = graph.write_report(tmp_path / "export")
    page = path.read_text(encoding="utf-8")
    assert 'href="index.html"' in page and (tmp_path / "export" / "index.html").is_file()
    assert sorted(p.name for p in (tmp_path / "export").iterdir() if p.name.startswith(".")) == []


def test_report_of_graphs_without_dates_or_entities():
    undated = KnowledgeGraph.from_corpus({"t:1": Paper("t:1", "Only a title")}, {}, [], "test")
    page = to_report(undated)
    assert "No paper has a date with a year" in page and "No entities." in page
    assert "1 paper has no date" in page


def test_kg_report_command_writes_next_to_the_explorer(tmp_path: Path):
    KnowledgeGraph.example().save(tmp_path)
    result = CliRunner().invoke(main, ["report", str(tmp_path), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {tmp_path / REPORT_FILE}"
    assert (tmp_path / REPORT_FILE).read_text(encoding="utf-8") == to_report(
        KnowledgeGraph.load(tmp_path), top=3, explorer="index.html")


def test_kg_report_command_fails_in_one_line_on_a_bad_graph(tmp_path: Path):
    bad = tmp_path / "graph.ttl"
    bad.write_text("this is not turtle .", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "cannot load graph" in result.output
    assert not (tmp_path / "out" / REPORT_FILE).exists()


def test_small_graph_from_pairs_reports_without_a_knowledge_graph_store():
    # the charts only need the NetworkX view: a hand-made graph works too
    from kg import report

    g = graph_from_pairs([("p1", "model/a"), ("p1", "benchmark/b")], dates={"p1": "2024-05-01"})
    assert "<svg" in report._trends_section(g) and "<svg" in report._cooccurrence_section(g, 5)
