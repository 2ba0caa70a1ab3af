"""RDF exports besides Turtle: N-Triples (for server-grade stores) and JSON-LD with a context."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.atomic import atomic_writer, write_atomic
from kg.vocab import PREFIXES

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph


def to_ntriples(graph: KnowledgeGraph) -> str:
    """Canonical N-Triples, one triple a line, in the canonical triple order."""
    return graph.canonical_ntriples().decode("utf-8")


def write_ntriples(graph: KnowledgeGraph, path: str | Path) -> Path:
    """Write :func:`to_ntriples` atomically; a large graph is sorted on disk and copied, not held in memory."""
    from kg.graph import LARGE_GRAPH_TRIPLES, sorted_ntriples_file

    if len(graph.store) <= LARGE_GRAPH_TRIPLES:
        return write_atomic(path, to_ntriples(graph))
    with sorted_ntriples_file(graph.store) as sorted_path, atomic_writer(path) as handle, sorted_path.open("rb") as src:
        shutil.copyfileobj(src, handle, 1 << 20)
    return Path(path)


def to_jsonld(graph: KnowledgeGraph) -> str:
    """JSON-LD (expanded by Oxigraph, then given an ``@context`` of our prefixes)."""
    data = json.loads(ox.serialize(graph.triples(), format=ox.RdfFormat.JSON_LD, prefixes=PREFIXES) or b"{}")
    if isinstance(data, list):
        data = {"@graph": data}
    context = dict(data.get("@context", {})) if isinstance(data.get("@context"), dict) else {}
    context.update(PREFIXES)
    data["@context"] = context
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_jsonld(graph: KnowledgeGraph, path: str | Path) -> Path:
    return write_atomic(path, to_jsonld(graph))
