"""RDF exports besides Turtle: N-Triples (for server-grade stores) and JSON-LD with a context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.atomic import write_atomic
from kg.vocab import PREFIXES

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph


def to_ntriples(graph: KnowledgeGraph) -> str:
    """Canonical N-Triples, one triple a line, in the canonical triple order."""
    return graph.canonical_ntriples().decode("utf-8")


def write_ntriples(graph: KnowledgeGraph, path: str | Path) -> Path:
    return write_atomic(path, to_ntriples(graph))


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
