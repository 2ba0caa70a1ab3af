"""Exports of a :class:`~kg.graph.KnowledgeGraph`: Turtle, N-Triples, JSON-LD, GraphML, CSV tables, HTML.

Each format comes as a pair, ``to_<format>(graph)`` returning the content and
``write_<format>(graph, path)`` writing it atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kg.export.rdf import to_jsonld, to_ntriples, write_jsonld, write_ntriples
from kg.export.tables import TABLES, to_csv, write_csv_tables, write_graphml

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph


def write_exports(graph: KnowledgeGraph, out_dir: str | Path, *, html: bool = True) -> dict[str, Path]:
    """Write every export of ``graph`` into ``out_dir`` and return the paths by name.

    Files: ``graph.ttl``, ``graph.nt``, ``graph.jsonld``, ``graph.graphml``, ``papers.csv``,
    ``entities.csv``, ``links.csv``, ``mentions.csv``, ``cooccurrence.csv`` and ``index.html``.
    Each file is written atomically, so an interrupted build leaves the previous export intact.
    """
    from kg.graph import write_turtle

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {"turtle": write_turtle(graph, out / "graph.ttl")}
    written["ntriples"] = write_ntriples(graph, out / "graph.nt")
    written["jsonld"] = write_jsonld(graph, out / "graph.jsonld")
    tables = {name: getattr(graph, name) for name in TABLES}
    written.update(write_csv_tables(tables, out, cooccurrence=graph.cooccurrence))
    written["graphml"] = write_graphml(graph, out / "graph.graphml")
    if html:
        from kg.export.html import write_html

        written["html"] = write_html(tables["papers"], tables["entities"], tables["links"], tables["mentions"], out)
    return written


__all__ = ["write_exports", "to_csv", "to_jsonld", "to_ntriples", "write_jsonld", "write_ntriples", "write_csv_tables"]
