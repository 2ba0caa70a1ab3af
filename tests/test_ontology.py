"""The ontology (ontology/kg.ttl) and the SHACL shapes (ontology/shapes.ttl)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, Literal, Namespace, URIRef

from sample_graph import sample_turtle

pyshacl = pytest.importorskip("pyshacl")

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "kg.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
KGO = Namespace("https://w3id.org/kg-ml/ontology#")
KGR = Namespace("https://w3id.org/kg-ml/id/")
DCT = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
MLS = Namespace("http://www.w3.org/ns/mls#")
OA = Namespace("http://www.w3.org/ns/oa#")
LPWC = "https://linkedpaperswithcode.com/"

#: Every kgo: term ARCH.md lists for the graph.
ARCH_TERMS = """Paper Entity Method Model Dataset Benchmark Task Metric Mention Link
authorName authorCount upvotes organisation arxivId doi category source inputId
mentions proposes usesMethod usesModel usesDataset evaluatesOn addressesTask reportsMetric
variantOf paperCount mergeEvidence key
paper entity relation role confidence mentionCount hasMention
inPaper ofEntity exact field start end sentence sentenceStart""".split()

#: The LPWC terms that exist (read from LPWC's ontology, metaphacts/linkedpaperswithcode,
#: ontologies/linkedpaperswithcode-ontology.ttl); equivalences may only point at these.
LPWC_TERMS = {f"{LPWC}class/{c}" for c in "paper method model dataset task evaluation evaluationresult".split()} | {
    f"{LPWC}property/{p}" for p in
    "hasMethod hasModel hasDataset usesDataset hasTask creatorName introducedBy numberPapers hasVariant metricName".split()}


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY)


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES)


def kgo_terms(g: rdflib.Graph) -> set[URIRef]:
    return {s for s in g.subjects() if isinstance(s, URIRef) and s.startswith(str(KGO))}


def validate(data: rdflib.Graph, shapes: rdflib.Graph) -> tuple[bool, str]:
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes)
    return conforms, text


# --- ontology ---------------------------------------------------------------------------

def test_ontology_parses_in_rdflib_and_oxigraph(onto):
    store = ox.Store()
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE)
    assert len(store) == len(onto) > 300


def test_ontology_header(onto):
    ontology = URIRef("https://w3id.org/kg-ml/ontology")
    assert (ontology, RDF.type, OWL.Ontology) in onto
    for prop in (OWL.versionInfo, OWL.versionIRI, DCT.title, DCT.license, DCT.description):
        assert onto.value(ontology, prop) is not None, prop


def test_every_term_is_labelled_commented_and_typed(onto):
    terms = kgo_terms(onto)
    assert len(terms) >= len(ARCH_TERMS)
    for term in terms:
        assert onto.value(term, RDFS.label) is not None, term
        assert len(str(onto.value(term, RDFS.comment) or "")) > 20, term
        assert set(onto.objects(term, RDF.type)) & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}, term
        assert onto.value(term, RDFS.isDefinedBy) == URIRef("https://w3id.org/kg-ml/ontology"), term
        if (term, RDF.type, OWL.Class) not in onto:
            assert onto.value(term, RDFS.domain) is not None and onto.value(term, RDFS.range) is not None, term


def test_every_architecture_term_is_defined(onto):
    assert {KGO[t] for t in ARCH_TERMS} <= kgo_terms(onto)


def test_link_properties_are_typed_subproperties_of_mentions(onto):
    ranges = {"proposes": "Entity", "usesMethod": "Method", "usesModel": "Model", "usesDataset": "Dataset",
              "evaluatesOn": "Benchmark", "addressesTask": "Task", "reportsMetric": "Metric"}
    for prop, range_ in ranges.items():
        assert (KGO[prop], RDFS.subPropertyOf, KGO.mentions) in onto
        assert onto.value(KGO[prop], RDFS.domain) == KGO.Paper
        assert onto.value(KGO[prop], RDFS.range) == KGO[range_]


def test_standard_vocabularies_are_reused(onto):
    expected = [
        (KGO.Paper, RDFS.subClassOf, URIRef("http://purl.org/spar/fabio/ScholarlyWork")),
        (KGO.Paper, RDFS.subClassOf, URIRef("https://schema.org/ScholarlyArticle")),
        (KGO.Method, RDFS.subClassOf, MLS.Algorithm), (KGO.Model, RDFS.subClassOf, MLS.Model),
        (KGO.Dataset, RDFS.subClassOf, MLS.Dataset), (KGO.Task, RDFS.subClassOf, MLS.Task),
        (KGO.Metric, RDFS.subClassOf, MLS.EvaluationMeasure), (KGO.Benchmark, RDFS.subClassOf, KGO.Dataset),
        (KGO.Mention, RDFS.subClassOf, PROV.Entity),
        (KGO.exact, RDFS.subPropertyOf, OA.exact), (KGO.start, RDFS.subPropertyOf, OA.start),
        (KGO.end, RDFS.subPropertyOf, OA.end),
    ]
    for triple in expected:
        assert triple in onto, triple


def test_equivalences_point_at_real_lpwc_terms(onto):
    targets = [o for p in (OWL.equivalentClass, OWL.equivalentProperty, RDFS.subPropertyOf, RDFS.seeAlso)
               for o in onto.objects(None, p) if str(o).startswith(LPWC)]
    assert len(targets) >= 8
    assert {str(t) for t in targets} <= LPWC_TERMS
    assert (KGO.usesDataset, OWL.equivalentProperty, URIRef(LPWC + "property/usesDataset")) in onto
    assert (KGO.Paper, OWL.equivalentClass, URIRef(LPWC + "class/paper")) in onto


def _used_kgo_names() -> dict[str, set[str]]:
    """kgo: names used by the shapes, the named queries and the package's Python code."""
    pattern = re.compile(r"kgo:([A-Za-z]\w*)|KGO\.([A-Za-z]\w*)|KGO\[\"(\w+)\"\]|ontology#([A-Za-z]\w*)")
    used: dict[str, set[str]] = {}
    files = [SHAPES, *sorted((ROOT / "ontology" / "queries").glob("*.rq")), *sorted((ROOT / "kg").rglob("*.py"))]
    for path in files:
        # doctest lines and expected errors are left out: they show the refusal of undefined terms
        text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith(">>>") and "Error: " not in line)
        for match in pattern.finditer(text):
            used.setdefault(next(g for g in match.groups() if g), set()).add(path.name)
    return used


def test_every_kgo_term_used_by_code_shapes_and_queries_is_defined(onto):
    from kg.model import ENTITY_TYPES
    from kg.vocab import RELATION_BY_TYPE

    defined = {t.removeprefix(str(KGO)) for t in kgo_terms(onto)}
    used = _used_kgo_names()
    used.update({name: {"kg/vocab.py"} for name in [*RELATION_BY_TYPE.values(), *ENTITY_TYPES]})  # KGO[...] lookups
    assert len(used) > 30
    missing = {name: sorted(where) for name, where in used.items() if name not in defined}
    assert not missing, f"kgo: terms used but not defined in ontology/kg.ttl: {missing}"


# --- shapes -----------------------------------------------------------------------------

def test_shapes_parse_and_target_every_class(shapes):
    targets = set(shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#targetClass")))
    assert {KGO.Paper, KGO.Method, KGO.Model, KGO.Dataset, KGO.Benchmark, KGO.Task, KGO.Metric,
            KGO.Mention, KGO.Link} <= targets


def test_sample_graph_conforms(shapes):
    conforms, text = validate(rdflib.Graph().parse(data=sample_turtle(), format="turtle"), shapes)
    assert conforms, text


MINIMAL = """
@prefix kgo: <https://w3id.org/kg-ml/ontology#> .
@prefix kgr: <https://w3id.org/kg-ml/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
kgr:extractor\\/1 a prov:SoftwareAgent .
kgr:paper\\/p a kgo:Paper ; dcterms:title "LoRA tricks" ; dcterms:abstract "We tune LoRA. It works." ;
    dcterms:date "2024-05"^^xsd:gYearMonth ; kgo:arxivId "2405.01234" ;
    kgo:usesMethod kgr:method\\/lora ; kgo:mentions kgr:method\\/lora .
kgr:method\\/lora a kgo:Method ; skos:prefLabel "LoRA" ; skos:altLabel "Low-Rank Adaptation" ;
    kgo:key "method/lora" ; kgo:paperCount 1 .
kgr:link\\/p a kgo:Link ; kgo:paper kgr:paper\\/p ; kgo:entity kgr:method\\/lora ; kgo:relation kgo:usesMethod ;
    kgo:role "used" ; kgo:confidence 0.9 ; kgo:mentionCount 1 ; kgo:hasMention kgr:mention\\/p .
kgr:mention\\/p a kgo:Mention ; kgo:inPaper kgr:paper\\/p ; kgo:ofEntity kgr:method\\/lora ;
    kgo:exact "LoRA" ; kgo:field "abstract" ; kgo:start 8 ; kgo:end 12 ;
    kgo:sentence "We tune LoRA." ; kgo:sentenceStart 0 ; kgo:confidence 0.9 ; kgo:role "used" ;
    prov:wasGeneratedBy kgr:extractor\\/1 .
"""
P, E, L, M = KGR["paper/p"], KGR["method/lora"], KGR["link/p"], KGR["mention/p"]


def _set(s, p, o):
    return lambda g: g.set((s, p, o))


def _remove(s, p):
    return lambda g: g.remove((s, p, None))


BROKEN = {
    "no title": (_remove(P, DCT.title), "exactly one non-empty dcterms:title"),
    "two titles": (lambda g: g.add((P, DCT.title, Literal("Another"))), "exactly one non-empty dcterms:title"),
    "date as string": (_set(P, DCT.date, Literal("May 2024")), "dcterms:date is one"),
    "bad arXiv id": (_set(P, KGO.arxivId, Literal("arXiv:2405.01234v2")), "version-less arXiv id"),
    "entity without label": (_remove(E, SKOS.prefLabel), "exactly one non-empty skos:prefLabel"),
    "entity key not type/slug": (_set(E, KGO.key, Literal("lora")), "exactly one kgo:key"),
    "key of another type": (_set(E, KGO.key, Literal("model/lora")), "^method/"),
    "entity of two types": (lambda g: g.add((E, RDF.type, KGO.Model)), "Xone"),
    "field not title/abstract": (_set(M, KGO.field, Literal("body")), "kgo:field"),
    "negative start": (_set(M, KGO.start, Literal(-1)), "kgo:start"),
    "start not before end": (_set(M, KGO.end, Literal(8)), "LessThan"),
    "offset as string": (_set(M, KGO.end, Literal("12")), "kgo:end"),
    "confidence above 1": (_set(L, KGO.confidence, Literal(1.5)), "kgo:confidence"),
    "confidence as string": (_set(M, KGO.confidence, Literal("high")), "kgo:confidence"),
    "exact text not at offsets": (_set(M, KGO.exact, Literal("LoRa")), "not the text at [start, end)"),
    "mention outside its sentence": (_set(M, KGO.sentenceStart, Literal(3)), "does not hold kgo:exact"),
    "link without mention": (_remove(L, KGO.hasMention), "at least one kgo:Mention"),
    "direct triple without link": (
        lambda g: [g.add(t) for t in [(P, KGO.usesDataset, KGR["dataset/x"]), (KGR["dataset/x"], RDF.type, KGO.Dataset),
                                      (KGR["dataset/x"], SKOS.prefLabel, Literal("X")),
                                      (KGR["dataset/x"], KGO.key, Literal("dataset/x"))]],
        "has no kgo:Link"),
    "relation range violated": (lambda g: g.add((P, KGO.usesDataset, E)), "kgo:usesDataset"),
    "typed triple without kgo:mentions": (_remove(P, KGO.mentions), "without the kgo:mentions triple"),
    "paper count wrong": (_set(E, KGO.paperCount, Literal(2)), "kgo:paperCount is not the number"),
    "relation not a property IRI": (_set(L, KGO.relation, Literal("usesMethod")), "paper -> entity property IRI"),
    "role disagrees with relation": (_set(L, KGO.role, Literal("proposed")), "role and relation disagree"),
    "link's direct triple missing": (_remove(P, KGO.usesMethod), "direct triple"),
    "mention of another paper": (_set(M, KGO.inPaper, KGR["paper/q"]), "in another paper"),
    "no provenance": (_remove(M, PROV.wasGeneratedBy), "prov:wasGeneratedBy"),
    "untyped extractor": (_remove(KGR["extractor/1"], RDF.type), "SoftwareAgent"),
    "duplicate link": (lambda g: [g.add((KGR["link/p2"], p, o)) for _, p, o in list(g.triples((L, None, None)))],
                       "two links join the same paper and entity"),
}


def test_minimal_graph_conforms(shapes):
    conforms, text = validate(rdflib.Graph().parse(data=MINIMAL, format="turtle"), shapes)
    assert conforms, text


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_graph_fails_with_a_useful_report(shapes, case):
    break_it, expected = BROKEN[case]
    graph = rdflib.Graph().parse(data=MINIMAL, format="turtle")
    break_it(graph)
    conforms, text = validate(graph, shapes)
    assert not conforms
    assert expected in text, text


def test_built_graph_conforms(shapes, tmp_path):
    """The graph `kg build` writes for a few real abstracts validates against the shapes."""
    import kg

    dev = ROOT.parent / "shared" / "gold" / "dev_papers.json"
    if not dev.is_file():
        pytest.skip("../shared/gold is not beside the checkout")
    fixture = tmp_path / "papers.json"
    fixture.write_text(json.dumps(json.loads(dev.read_text(encoding="utf-8"))[:4]), encoding="utf-8")
    turtle = kg.build([fixture]).to_turtle()
    data = rdflib.Graph().parse(data=turtle, format="turtle")
    assert len(set(data.subjects(RDF.type, KGO.Mention))) > 5
    conforms, text = validate(data, shapes)
    assert conforms, text


@pytest.mark.parametrize("path", [ONTOLOGY, SHAPES])
def test_raptor_parses_the_ontology_files(path):
    """An independent parser (Raptor's rapper) reads the files and finds the same triples."""
    import shutil
    import subprocess

    if not shutil.which("rapper"):
        pytest.skip("rapper (raptor2-utils) is not installed")
    result = subprocess.run(["rapper", "-i", "turtle", "-o", "ntriples", str(path)],
                            capture_output=True, text=True, check=True)
    parsed = rdflib.Graph().parse(data=result.stdout, format="nt")
    assert len(parsed) == len(rdflib.Graph().parse(path))  # fresh: pyshacl adds to the shapes fixture
    assert "Error" not in result.stderr
