"""Benchmark the HTML explorer: generation time, file size, time to interactive in Chromium.

Usage::

    /work/venv/bin/python bench/bench_html.py [--papers 5000] [--tables DIR] [--out DIR]
        [--screenshot PNG]

Without ``--tables`` the graph is synthetic but shaped like a real one: the first
``--papers`` abstracts of ``../shared/corpus`` give titles, dates and evidence
sentences, and their acronym-like names (``NeRF``, ``GPT-4``, ``CLIP``) stand in for
entities, so popular names recur across papers as real ones do. With ``--tables DIR``
the CSV tables of a ``kg build`` (papers.csv, entities.csv, links.csv, mentions.csv)
are used instead.

Target (issue 6): interactive within 3 s in headless Chromium.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.export.html import to_html, write_html  # noqa: E402
from kg.model import ENTITY_TYPES  # noqa: E402
from kg.vocab import RELATION_BY_TYPE  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv_cs_2025_2026.jsonl.gz"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TYPES = ENTITY_TYPES
RELATION = RELATION_BY_TYPE
NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9\-]*\b")
SENTENCE = re.compile(r"[^.!?]+[.!?]?")


def synthetic_tables(n_papers: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Graph tables from the first ``n_papers`` corpus abstracts (see the module docstring)."""
    papers, links, mentions = [], [], []
    entities: dict[str, dict] = {}
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number >= n_papers:
                break
            record = json.loads(line)
            key = f"arxiv:{record['id']}"
            abstract = record["abstract"]
            papers.append(
                {
                    "id": record["id"],
                    "key": key,
                    "title": record["title"],
                    "abstract": abstract,
                    "date": record.get("source_file", "")[:10],
                    "url": f"https://arxiv.org/abs/{record['id']}",
                    "arxiv_id": record["id"],
                }
            )
            seen: set[str] = set()
            for sentence in SENTENCE.finditer(abstract):
                for match in NAME.finditer(sentence.group()):
                    name = match.group()
                    if sum(c.isupper() for c in name) < 2 or name in seen or len(seen) >= 12:
                        continue
                    seen.add(name)
                    digest = int(hashlib.sha1(name.lower().encode()).hexdigest(), 16)
                    kind = TYPES[digest % len(TYPES)]
                    entity_key = f"{kind.lower()}/{name.lower()}"
                    entity = entities.setdefault(
                        entity_key,
                        {"key": entity_key, "type": kind, "label": name, "aliases": "", "paper_count": 0},
                    )
                    entity["paper_count"] += 1
                    proposes = digest % 23 == 0 and entity["paper_count"] == 1
                    links.append(
                        {
                            "paper_key": key,
                            "entity_key": entity_key,
                            "relation": "proposes" if proposes else RELATION[kind],
                            "role": "proposed" if proposes else "used",
                            "confidence": 0.5 + (digest % 50) / 100,
                            "mention_count": 1,
                            "name": name,
                        }
                    )
                    mentions.append(
                        {
                            "paper_key": key,
                            "entity_key": entity_key,
                            "field": "abstract",
                            "start": sentence.start() + match.start(),
                            "end": sentence.start() + match.end(),
                            "text": name,
                            "sentence": sentence.group(),
                            "sentence_start": sentence.start(),
                            "confidence": 0.7,
                            "role": "used",
                        }
                    )
    return pd.DataFrame(papers), pd.DataFrame(list(entities.values())), pd.DataFrame(links), pd.DataFrame(mentions)


def read_tables(folder: Path) -> tuple[pd.DataFrame, ...]:
    """The four CSV tables of a ``kg build`` output folder."""
    return tuple(
        pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in ("papers", "entities", "links", "mentions")
    )


def measure_browser(page_path: Path, screenshot: Path | None) -> dict[str, float]:
    """Open the page in headless Chromium, offline; return timings in milliseconds."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(request_route):
            url = request_route.request.url
            if url.startswith(("file:", "data:")):
                request_route.continue_()
            else:
                requests.append(url)
                request_route.abort()

        page.route("**/*", route)
        started = time.perf_counter()
        page.goto(page_path.as_uri())
        page.wait_for_function("window.kgExplorer && window.kgExplorer.ready", timeout=60_000)
        wall = (time.perf_counter() - started) * 1000
        timings = page.evaluate(
            """() => {
              const e = kgExplorer, nav = performance.getEntriesByType('navigation')[0];
              const t0 = performance.now();
              const hit = e.search('a', 1)[0];
              e.goTo(hit, false);
              const t1 = performance.now();
              const hub = e.data.nodes.map((n, i) => [n[2], i]).sort((a, b) => b[0] - a[0])[0][1];
              e.openNeighbourhood(hub);
              const t2 = performance.now();
              return {readyAt: e.readyAt, domContentLoaded: nav.domContentLoadedEventEnd,
                      searchFocusMs: t1 - t0, neighbourhoodMs: t2 - t1,
                      shownNodes: e.nodes.length, shownEdges: e.edges.length,
                      totalNodes: e.data.nodes.length, totalEdges: e.data.edges.length};
            }"""
        )
        page.click("#kg-back")
        timings["overviewNodes"] = page.evaluate("kgExplorer.nodes.length")
        if screenshot:
            # the best-connected model (else entity) with its neighbourhood and details
            page.evaluate(
                """() => { const d = kgExplorer.data, P = d.papers.length;
                  const rank = i => d.nodes[i][2] + (d.types[d.nodes[i][0]] === 'Model' ? 1e6 : 0);
                  let best = P; for (let i = P; i < d.nodes.length; i++) if (rank(i) > rank(best)) best = i;
                  kgExplorer.goTo(best, false); kgExplorer.openNeighbourhood(best);
                  kgExplorer.network.selectNodes([best]); }"""
            )
            page.wait_for_timeout(500)
            page.screenshot(path=str(screenshot))
        browser.close()
    timings["wallToReadyMs"] = wall
    timings["networkRequests"] = len(requests)
    timings["consoleErrors"] = len(errors)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--tables", type=Path, help="folder with papers/entities/links/mentions.csv")
    parser.add_argument("--out", type=Path, default=Path("/tmp/kg-bench-html"))
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    tables = read_tables(args.tables) if args.tables else synthetic_tables(args.papers)
    print(f"tables: {time.perf_counter() - started:.2f} s; " + ", ".join(f"{len(t):,} rows" for t in tables))
    started = time.perf_counter()
    page = to_html(*tables)
    generate = time.perf_counter() - started
    started = time.perf_counter()
    path = write_html(*tables, args.out)
    write = time.perf_counter() - started
    print(f"to_html: {generate:.2f} s; write_html: {write:.2f} s; {len(page.encode()) / 1e6:.2f} MB -> {path}")
    if shutil.which("chromium") is None:
        print("chromium not installed: browser timings skipped")
        return 0
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("playwright not installed: browser timings skipped")
        return 0
    timings = measure_browser(path, args.screenshot)
    for name, value in timings.items():
        print(f"{name}: {value:,.1f}" if isinstance(value, float) else f"{name}: {value:,}")
    ok = timings["wallToReadyMs"] < 3000 and not timings["networkRequests"] and not timings["consoleErrors"]
    print("target interactive < 3 s:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
