"""Exports of a :class:`~kg.graph.KnowledgeGraph`: Turtle, N-Triples, JSON-LD, GraphML, CSV tables, HTML.

Each format comes as a pair, ``to_<format>(graph)`` returning the content and
``write_<format>(graph, path)`` writing it atomically.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from kg.export.rdf import to_jsonld, to_ntriples, write_jsonld, write_ntriples
from kg.export.tables import TABLES, to_csv, write_csv_tables, write_graphml

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
) -> dict[str, Path]:
    """Write the exports of ``graph`` into ``out_dir`` and return the paths by name.

    ``ttl``: ``graph.ttl``; ``csv``: ``papers.csv``, ``entities.csv``, ``links.csv``,
    ``mentions.csv``, ``cooccurrence.csv``; ``html``: ``index.html``; ``nt``: ``graph.nt``
    (for bulk loaders of server-grade stores); ``jsonld``: ``graph.jsonld``; ``graphml``:
    ``graph.graphml`` (Gephi, Cytoscape). Each file is written atomically, so an interrupted
    build leaves the previous export intact.
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
    if "ttl" in wanted:
        written["turtle"] = write_turtle(graph, out / "graph.ttl")
    if "nt" in wanted:
        written["ntriples"] = write_ntriples(graph, out / "graph.nt")
    if "jsonld" in wanted:
        written["jsonld"] = write_jsonld(graph, out / "graph.jsonld")
    tables = {name: getattr(graph, name) for name in TABLES} if wanted & {"csv", "html"} else {}
    if "csv" in wanted:
        written.update(write_csv_tables(tables, out, cooccurrence=graph.cooccurrence))
    if "graphml" in wanted:
        written["graphml"] = write_graphml(graph, out / "graph.graphml")
    if "html" in wanted:
        from kg.export.html import write_html

        written["html"] = write_html(tables["papers"], tables["entities"], tables["links"], tables["mentions"], out)
    return written


__all__ = ["FORMATS", "DEFAULT_FORMATS", "write_exports", "to_csv", "to_jsonld", "to_ntriples", "write_jsonld", "write_ntriples", "write_csv_tables"]
