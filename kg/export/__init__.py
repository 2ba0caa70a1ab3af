"""Exports of a :class:`~kg.graph.KnowledgeGraph`: Turtle, N-Triples, JSON-LD, GraphML, CSV tables, HTML.

Each format comes as a pair, ``to_<format>(graph)`` returning the content and
``write_<format>(graph, path)`` writing it atomically.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kg.export.rdf import to_jsonld, to_ntriples, write_jsonld, write_ntriples
from kg.export.tables import TABLES, to_csv, write_cooccurrence, write_csv_rows, write_csv_tables, write_graphml

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph


#: Every export format ``write_exports`` knows; ``DEFAULT_FORMATS`` are written unless told otherwise.
FORMATS: tuple[str, ...] = ("ttl", "csv", "html", "nt", "jsonld", "graphml")
DEFAULT_FORMATS: tuple[str, ...] = ("ttl", "csv", "html")


def write_exports(
    graph: KnowledgeGraph,
    out_dir: str | Path,
    *,
    html: bool = True,
    formats: Iterable[str] = DEFAULT_FORMATS,
    on_stage: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write the exports of ``graph`` into ``out_dir`` and return the paths by name.

    ``ttl``: ``graph.ttl``; ``csv``: ``papers.csv``, ``entities.csv``, ``links.csv``,
    ``mentions.csv``, ``cooccurrence.csv``; ``html``: ``index.html``; ``nt``: ``graph.nt``
    (for bulk loaders of server-grade stores); ``jsonld``: ``graph.jsonld``; ``graphml``:
    ``graph.graphml`` (Gephi, Cytoscape). Each file is written atomically, so an interrupted
    build leaves the previous export intact. ``on_stage`` is told which file is being written.
    """
    from kg.graph import write_turtle

    wanted = set(formats)
    unknown = wanted - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export format(s) {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    if not html:
        wanted.discard("html")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    stage = on_stage or (lambda message: None)
    if "ttl" in wanted:
        stage("writing graph.ttl")
        written["turtle"] = write_turtle(graph, out / "graph.ttl")
    if "nt" in wanted:
        stage("writing graph.nt")
        written["ntriples"] = write_ntriples(graph, out / "graph.nt")
    if "jsonld" in wanted:
        stage("writing graph.jsonld")
        written["jsonld"] = write_jsonld(graph, out / "graph.jsonld")
    if wanted & {"csv", "html"}:
        stage("writing the CSV tables" if "csv" in wanted else "collecting the explorer's data")
        from kg.pipeline import young_gc_only

        with young_gc_only():  # a million table rows are long-lived objects, not cyclic garbage
            tables = _stream_tables(graph, out if "csv" in wanted else None, keep="html" in wanted, written=written)
        if "csv" in wanted:
            written["cooccurrence"] = write_cooccurrence(graph.cooccurrence, out / "cooccurrence.csv")
    if "graphml" in wanted:
        stage("writing graph.graphml")
        written["graphml"] = write_graphml(graph, out / "graph.graphml")
    if "html" in wanted:
        from kg.export.html import write_html

        stage("writing index.html")
        written["html"] = write_html(tables["papers"], tables["entities"], tables["links"], tables["mentions"], out)
    return written


def _stream_tables(graph: KnowledgeGraph, out: Path | None, *, keep: bool, written: dict[str, Path]
                   ) -> dict[str, pd.DataFrame]:
    """One pass over each table: rows stream from the store into ``out/<table>.csv`` (if ``out``).

    With ``keep``, the tables the HTML page needs are collected on the way, the mentions cut
    to the one per paper-entity pair the page shows, so no step holds every mention row.
    """
    from kg.export.html import EvidencePicker
    from kg.graph import TABLE_COLUMNS, table_frame

    kept: dict[str, pd.DataFrame] = {}
    source = graph.table_source()
    for name in TABLES:
        columns = TABLE_COLUMNS[name]
        rows: Iterator[tuple] = source(name)
        held: list[tuple] = []
        picker = EvidencePicker()
        if keep:
            sink = (lambda row: picker.add(dict(zip(columns, row)))) if name == "mentions" else held.append
            rows = _tee(rows, sink)
        if out is not None:
            written[name] = write_csv_rows(out / f"{name}.csv", columns, rows)
        else:
            collections.deque(rows, maxlen=0)  # drain: the sink collects
        if keep:
            kept[name] = (pd.DataFrame(picker.rows(), columns=list(columns)) if name == "mentions"
                          else table_frame(held, name))
    return kept


def _tee(rows: Iterable[tuple], sink: Callable[[tuple], None]) -> Iterator[tuple]:
    for row in rows:
        sink(row)
        yield row


__all__ = ["FORMATS", "DEFAULT_FORMATS", "write_exports", "to_csv", "to_jsonld", "to_ntriples", "write_jsonld",
           "write_ntriples", "write_csv_tables"]
