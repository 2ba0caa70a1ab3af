"""Vocabulary terms, taken from ``ontology/kg.ttl`` (the single source of every term).

``KGO.Paper`` returns the term's IRI when the ontology defines it and raises
:class:`AttributeError` otherwise, so code cannot use a term the ontology lacks.

>>> KGO.Paper.value
'https://w3id.org/kg-ml/ontology#Paper'
>>> KGO.notATerm
Traceback (most recent call last):
...
AttributeError: kgo:notATerm is not defined in ontology/kg.ttl
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox


def _ontology_dir() -> Path:
    """``ontology/`` beside the package in a checkout (editable install), else ``kg/ontology`` of a wheel."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "ontology"
    return checkout if (checkout / "kg.ttl").is_file() else here / "ontology"


ONTOLOGY_DIR = _ontology_dir()
ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"

KGO_NS = "https://w3id.org/kg-ml/ontology#"
KGR_NS = "https://w3id.org/kg-ml/id/"

#: Prefixes used in every export, in a fixed order.
PREFIXES: dict[str, str] = {
    "kgo": KGO_NS,
    "kgr": KGR_NS,
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}


@cache
def ontology_terms() -> frozenset[str]:
    """IRIs of every term the ontology declares (any subject in the file)."""
    with ONTOLOGY_FILE.open("rb") as handle:
        return frozenset(
            t.subject.value for t in ox.parse(handle, format=ox.RdfFormat.TURTLE) if isinstance(t.subject, ox.NamedNode)
        )


class Namespace:
    """Attribute access to the terms of one namespace, checked against the ontology when ``checked``."""

    def __init__(self, prefix: str, iri: str, checked: bool) -> None:
        self._prefix = prefix
        self._iri = iri
        self._checked = checked

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        iri = self._iri + name
        if self._checked and iri not in ontology_terms():
            raise AttributeError(f"{self._prefix}:{name} is not defined in ontology/kg.ttl")
        node = ox.NamedNode(iri)
        setattr(self, name, node)  # later lookups skip __getattr__: the graph builder asks millions of times
        return node

    def __getitem__(self, name: str) -> ox.NamedNode:
        return self.__getattr__(name)

    def __str__(self) -> str:
        return self._iri


#: Our own terms, checked against the ontology.
KGO = Namespace("kgo", KGO_NS, checked=True)
#: Standard vocabularies we reuse.
DCTERMS = Namespace("dcterms", PREFIXES["dcterms"], checked=False)
SKOS = Namespace("skos", PREFIXES["skos"], checked=False)
PROV = Namespace("prov", PREFIXES["prov"], checked=False)
SCHEMA = Namespace("schema", PREFIXES["schema"], checked=False)
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
XSD = Namespace("xsd", PREFIXES["xsd"], checked=False)

#: Paper → entity relation of each entity type (the ``used`` role).
RELATION_BY_TYPE: dict[str, str] = {
    "Method": "usesMethod",
    "Model": "usesModel",
    "Dataset": "usesDataset",
    "Benchmark": "evaluatesOn",
    "Task": "addressesTask",
    "Metric": "reportsMetric",
}
