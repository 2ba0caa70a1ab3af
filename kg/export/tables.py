"""CSV tables (papers, entities, links, mentions, co-occurrence) and GraphML for Gephi/Cytoscape."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kg.atomic import atomic_writer, write_atomic

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph

#: Table names, also the CSV file stems.
TABLES: tuple[str, ...] = ("papers", "entities", "links", "mentions")


def to_csv(frame: pd.DataFrame) -> str:
    """A DataFrame as RFC 4180 CSV text (no index, ``\\n`` line ends)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def write_csv_rows(path: str | Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Stream ``rows`` under a ``columns`` header into a CSV file, atomically (``None`` is written empty).

    Same dialect as :func:`to_csv`; the rows are never held in memory together.
    """
    with atomic_writer(path) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        text.flush()
        text.detach()  # leave the binary handle to atomic_writer, which syncs and renames it
    return Path(path)


def frame_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    """A DataFrame's rows as tuples of plain values, missing ones (NaN, NA) as ``None``."""
    values = [[None if _missing(v) else v for v in frame[c].tolist()] for c in frame.columns]
    return zip(*values)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def write_csv_tables(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path, *, cooccurrence: Mapping[tuple[str, str], int] | None = None
) -> dict[str, Path]:
    """Write each table to ``out_dir/<name>.csv`` atomically."""
    out = Path(out_dir)
    written = {name: write_csv_rows(out / f"{name}.csv", list(frame.columns), frame_rows(frame))
               for name, frame in tables.items()}
    if cooccurrence is not None:
        written["cooccurrence"] = write_cooccurrence(cooccurrence, out / "cooccurrence.csv")
    return written


def write_cooccurrence(counts: Mapping[tuple[str, str], int], path: str | Path) -> Path:
    """Write the co-occurrence counts (most papers first) as CSV, atomically."""
    rows = sorted(((a, b, n) for (a, b), n in counts.items()), key=lambda r: (-r[2], r[0], r[1]))
    return write_csv_rows(path, ("entity_a", "entity_b", "papers"), rows)


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
