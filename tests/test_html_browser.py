"""The HTML explorer in a real headless Chromium (Debian's ``chromium`` driven by Playwright).

Needs ``apt-get install -y chromium`` and ``pip install playwright`` (never
``playwright install``: the system browser is used). Skipped, with the reason, when
either is missing. Every request other than the page's own file is refused and
recorded; any recorded request fails the test.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from kg.export.html import OVERVIEW_THRESHOLD, write_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("chromium not installed (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")

ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
XSS_TITLE = "Evil <script>window.__xss = 1; alert(1)</script> paper"
XSS_LABEL = '<img src=x onerror="window.__xss = 2; alert(2)">GLUE'
QUOTED = "It's \"quoted\" </script><svg onload=alert(3)>"


def explorer_tables():
    papers = pd.DataFrame(
        [
            {"id": "2401.1", "key": "arxiv:2401.1", "title": "Scaling BERT for everything", "date": "2024-01-05",
             "url": "https://arxiv.org/abs/2401.1", "abstract": "We pretrain BERT and evaluate on SQuAD."},
            {"id": "2402.2", "key": "arxiv:2402.2", "title": XSS_TITLE, "date": "2024-02-01",
             "url": "javascript:window.__xss=4", "abstract": "RoBERTa improves over BERT on GLUE."},
            {"id": "2403.3", "key": "arxiv:2403.3", "title": QUOTED, "date": "2024-03-01", "url": "",
             "abstract": "We measure accuracy on SQuAD."},
        ]
    )
    entities = pd.DataFrame(
        [
            {"key": "model/bert", "type": "Model", "label": "BERT", "aliases": "Bidirectional Encoder|BERT-base",
             "paper_count": 2, "variant_of": ""},
            {"key": "model/roberta", "type": "Model", "label": "RoBERTa", "aliases": "", "paper_count": 1,
             "variant_of": "model/bert"},
            {"key": "benchmark/glue", "type": "Benchmark", "label": XSS_LABEL, "aliases": "", "paper_count": 1,
             "variant_of": ""},
            {"key": "dataset/squad", "type": "Dataset", "label": "SQuAD", "aliases": "Stanford QA", "paper_count": 2,
             "variant_of": ""},
            {"key": "metric/accuracy", "type": "Metric", "label": "accuracy", "aliases": "", "paper_count": 1,
             "variant_of": ""},
        ]
    )
    link_rows = [
        ("arxiv:2401.1", "model/bert", "usesModel"),
        ("arxiv:2401.1", "dataset/squad", "usesDataset"),
        ("arxiv:2402.2", "model/roberta", "proposes"),
        ("arxiv:2402.2", "model/bert", "usesModel"),
        ("arxiv:2402.2", "benchmark/glue", "evaluatesOn"),
        ("arxiv:2403.3", "dataset/squad", "usesDataset"),
        ("arxiv:2403.3", "metric/accuracy", "reportsMetric"),
    ]
    links = pd.DataFrame(
        [{"paper_key": p, "entity_key": e, "relation": r, "confidence": 0.8, "mention_count": 1} for p, e, r in link_rows]
    )
    mentions = pd.DataFrame(
        [
            {"paper_key": "arxiv:2401.1", "entity_key": "dataset/squad", "field": "abstract", "start": 32,
             "end": 37, "text": "SQuAD", "sentence": "We pretrain BERT and evaluate on SQuAD.", "sentence_start": 0,
             "confidence": 0.8},
            {"paper_key": "arxiv:2402.2", "entity_key": "model/bert", "field": "abstract", "start": 23, "end": 27,
             "text": "BERT", "sentence": "RoBERTa improves over BERT on GLUE.", "sentence_start": 0,
             "confidence": 0.8},
        ]
    )
    return papers, entities, links, mentions


def big_tables(n_papers: int = 1600, n_entities: int = 400):
    """More than OVERVIEW_THRESHOLD nodes: a few popular entities, many rare ones."""
    papers = pd.DataFrame({"key": [f"p{i:05d}" for i in range(n_papers)],
                           "title": [f"Study number {i}" for i in range(n_papers)]})
    entities = pd.DataFrame({"key": [f"task/t{j}" for j in range(n_entities)], "type": "Task",
                             "label": [f"Task {j}" for j in range(n_entities)]})
    rows = [{"paper_key": f"p{i:05d}", "entity_key": f"task/t{j}", "relation": "addressesTask"}
            for i in range(n_papers) for j in sorted({i % 7, (i * 31) % n_entities, (i * 17) % 53})]
    return papers, entities, pd.DataFrame(rows), pd.DataFrame(columns=["paper_key", "entity_key"])


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Opened:
    """A page opened offline, with what it logged, asked for and tried to pop up."""

    def __init__(self, browser, path):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.kgExplorer && window.kgExplorer.ready", timeout=30_000)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def js(self, expression, *args):
        return self.page.evaluate(expression, *args)

    def node(self, key):
        """The vis node id of the paper or entity with ``key``."""
        return self.js(
            """key => { const d = kgExplorer.data; const keys = d.papers.map(p => p[0]).concat(d.entities.map(e => e[0]));
                        return keys.indexOf(key); }""",
            key,
        )

    def assert_clean(self):
        assert self.errors == [] and self.requests == [] and self.dialogs == []
        assert self.js("window.__xss") is None


@pytest.fixture()
def opened(browser, tmp_path):
    path = write_html(*explorer_tables(), tmp_path, title="Test <b>graph</b>")
    page = Opened(browser, path)
    yield page
    page.page.close()


def test_page_draws_every_node_offline_without_errors(opened):
    assert opened.js("kgExplorer.nodes.length") == 8
    assert opened.js("kgExplorer.edges.length") == 7
    assert opened.js("document.querySelectorAll('#kg-graph canvas').length") == 1
    box = opened.page.locator("#kg-graph canvas").bounding_box()
    assert box["width"] > 300 and box["height"] > 300
    assert opened.page.title() == "Test <b>graph</b>"
    drawn = opened.js("Object.keys(kgExplorer.network.getPositions()).length")
    assert drawn == 8
    legend = opened.page.locator("#kg-types li").all_inner_texts()
    assert [t.split()[0] for t in legend] == ["Paper", "Model", "Dataset", "Benchmark", "Metric"]
    opened.assert_clean()


def test_search_by_alias_selects_and_centres_the_node(opened):
    opened.page.fill("#kg-search", "stanford")
    assert opened.page.locator("#kg-suggestions li").first.inner_text().endswith("SQuAD")
    opened.page.press("#kg-search", "Enter")
    squad = opened.node("dataset/squad")
    opened.page.wait_for_function(
        """id => { const n = kgExplorer.network, p = n.getPositions([id])[id], v = n.getViewPosition();
                   return Math.hypot(p.x - v.x, p.y - v.y) < 1; }""",
        arg=squad,
        timeout=5000,
    )
    assert opened.js("kgExplorer.network.getSelectedNodes()") == [squad]
    assert opened.page.locator("#kg-details h2").inner_text() == "SQuAD"
    opened.assert_clean()


def test_type_filter_hides_and_shows_a_type(opened):
    opened.page.locator("#kg-types input[data-type='Model']").uncheck()
    groups = opened.js("kgExplorer.nodes.get().map(n => n.group)")
    assert len(groups) == 6 and "t2" not in groups  # t2: Model
    assert opened.js("kgExplorer.edges.length") == 4  # edges to hidden models go too
    opened.page.locator("#kg-types input[data-type='Model']").check()
    assert opened.js("kgExplorer.nodes.length") == 8
    opened.assert_clean()


def test_clicking_a_paper_shows_its_details_with_highlighted_evidence(opened):
    paper = opened.node("arxiv:2401.1")
    spot = opened.js(
        """id => { const n = kgExplorer.network; n.moveTo({position: n.getPositions([id])[id], scale: 1.5});
                   const c = n.canvasToDOM(n.getPositions([id])[id]); return [c.x, c.y]; }""",
        paper,
    )
    opened.page.locator("#kg-graph canvas").click(position={"x": spot[0], "y": spot[1]})
    details = opened.page.locator("#kg-details")
    details.wait_for(state="visible")
    assert details.locator("h2").inner_text() == "Scaling BERT for everything"
    assert "Date: 2024-01-05" in details.inner_text()
    assert details.locator("a").get_attribute("href") == "https://arxiv.org/abs/2401.1"
    assert details.locator("mark").all_inner_texts() == ["SQuAD"]
    assert "We pretrain BERT and evaluate on SQuAD." in details.inner_text()
    opened.assert_clean()


def test_entity_details_list_papers_aliases_and_co_occurring_entities(opened):
    opened.js("id => kgExplorer.goTo(id, false)", opened.node("model/bert"))
    text = opened.page.locator("#kg-details").inner_text()
    assert "Also called: BERT-base, Bidirectional Encoder" in text
    assert "Used by (2)" in text.replace("USED BY", "Used by")
    for co_occurring in ("RoBERTa", "SQuAD", XSS_LABEL):
        assert co_occurring in text
    opened.page.get_by_role("button", name="RoBERTa").first.click()
    text = opened.page.locator("#kg-details").inner_text()
    assert "Proposed by (1)" in text.replace("PROPOSED BY", "Proposed by")
    assert XSS_TITLE in text
    opened.assert_clean()


def test_payloads_in_titles_are_shown_as_text_and_never_run(opened):
    for key in ("arxiv:2402.2", "benchmark/glue", "arxiv:2403.3"):
        opened.js("id => kgExplorer.goTo(id, false)", opened.node(key))
        opened.page.locator("#kg-details").wait_for(state="visible")
    opened.js("id => kgExplorer.goTo(id, false)", opened.node("arxiv:2402.2"))
    details = opened.page.locator("#kg-details")
    assert details.locator("h2").inner_text() == XSS_TITLE
    assert details.locator("a").count() == 0  # the javascript: url is not a link
    assert details.locator("img, script, svg").count() == 0
    assert XSS_LABEL in details.inner_text()
    opened.page.fill("#kg-search", "onerror")
    assert opened.page.locator("#kg-suggestions li").first.inner_text().endswith(XSS_LABEL)
    assert opened.js("document.querySelectorAll('img, iframe').length") == 0
    opened.page.wait_for_timeout(200)
    opened.assert_clean()


def test_big_graph_opens_on_an_overview_and_any_neighbourhood_can_be_opened(browser, tmp_path):
    tables = big_tables()
    path = write_html(*tables, tmp_path)
    opened = Opened(browser, path)
    total = opened.js("kgExplorer.data.nodes.length")
    assert total > OVERVIEW_THRESHOLD
    shown = opened.js("kgExplorer.nodes.length")
    assert 0 < shown <= 1000
    assert "Showing" in opened.page.locator("#kg-status").inner_text()
    hidden = opened.js("Array.from({length: kgExplorer.data.nodes.length}, (_, i) => i)"
                       ".filter(i => kgExplorer.nodes.get(i) === null)[0]")
    assert hidden is not None
    opened.page.fill("#kg-search", opened.js("id => kgExplorer.data.papers[id][2]", hidden))
    opened.page.press("#kg-search", "Enter")
    opened.page.wait_for_function("id => kgExplorer.network.getSelectedNodes()[0] === id", arg=hidden)
    assert hidden in opened.js("kgExplorer.shownIds()")
    assert not opened.page.locator("#kg-back").is_hidden()
    opened.page.click("#kg-back")
    assert opened.js("kgExplorer.nodes.length") == shown
    opened.page.fill("#kg-min-degree", "0")
    opened.page.press("#kg-min-degree", "Enter")
    assert opened.js("kgExplorer.nodes.length") == total  # 2,000 nodes: under the draw cap
    opened.assert_clean()
    opened.page.close()
