"""CSV tables (papers, entities, links, mentions, co-occurrence) and GraphML for Gephi/Cytoscape."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kg.atomic import write_atomic

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph

#: Table names, also the CSV file stems.
TABLES: tuple[str, ...] = ("papers", "entities", "links", "mentions")


def to_csv(frame: pd.DataFrame) -> str:
    """A DataFrame as RFC 4180 CSV text (no index, ``\\n`` line ends)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def cooccurrence_frame(counts: Mapping[tuple[str, str], int]) -> pd.DataFrame:
    rows = sorted(((a, b, n) for (a, b), n in counts.items()), key=lambda r: (-r[2], r[0], r[1]))
    return pd.DataFrame(rows, columns=["entity_a", "entity_b", "papers"])


def write_csv_tables(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path, *, cooccurrence: Mapping[tuple[str, str], int] | None = None
) -> dict[str, Path]:
    """Write each table to ``out_dir/<name>.csv`` atomically."""
    out = Path(out_dir)
    written = {name: write_atomic(out / f"{name}.csv", to_csv(frame)) for name, frame in tables.items()}
    if cooccurrence is not None:
        written["cooccurrence"] = write_atomic(out / "cooccurrence.csv", to_csv(cooccurrence_frame(cooccurrence)))
    return written


def to_graphml(graph: KnowledgeGraph) -> str:
    """The NetworkX view as GraphML (attributes as strings or numbers, no ``None``)."""
    import networkx as nx

    g = graph.to_networkx()
    for _, data in g.nodes(data=True):
        for k in [k for k, v in data.items() if v is None or (isinstance(v, float) and v != v)]:
            data[k] = ""
    return "\n".join(nx.generate_graphml(g)) + "\n"


def write_graphml(graph: KnowledgeGraph, path: str | Path) -> Path:
    return write_atomic(path, to_graphml(graph))
