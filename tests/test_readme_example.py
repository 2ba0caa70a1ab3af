"""The notebook-style example of README.md's "## Library" section runs and does what it says."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def library_example() -> str:
    """The python code block of the README's "## Library" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Library\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert section, 'README.md has no "## Library" section'
    block = re.search(r"^```python\n(.*?)^```", section.group(1), re.S | re.M)
    assert block, 'the "## Library" section has no python code block'
    return block.group(1)


def test_readme_library_example_runs(seeds, monkeypatch):
    code = library_example()
    assert len([line for line in code.splitlines() if line.strip()]) < 10
    assert '"../shared/seeds"' in code  # the example corpus, as the README's build command uses
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(code, "README.md#library", "exec"), namespace)
    g, top, paper, related, G = (namespace[name] for name in ("g", "top", "paper", "related", "G"))

    assert len(g.papers) == 247
    assert isinstance(top, pd.DataFrame) and 0 < len(top) <= 10
    assert set(top["type"]) == {"Benchmark"} and top["rank"].tolist() == list(range(1, len(top) + 1))
    benchmarks = set(g.entities.loc[g.entities["type"] == "Benchmark", "key"])
    assert set(top["key"]) <= benchmarks
    assert isinstance(related, pd.DataFrame) and len(related) > 0
    assert related["score"].is_monotonic_decreasing and (related["shared"] > 0).all()
    assert paper not in set(related["id"])
    mine = set(g.links.loc[g.links["paper_key"] == g.paper_key(paper), "entity_key"])
    for row in related.itertuples():
        theirs = set(g.links.loc[g.links["paper_key"] == row.key, "entity_key"])
        assert row.shared == len(mine & theirs) > 0
    assert isinstance(G, nx.Graph) and G.number_of_nodes() == len(g.papers) + len(g.entities)
