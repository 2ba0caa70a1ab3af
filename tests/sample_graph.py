"""A small hand-made kg graph with known answers, shared by the ontology, query and serve tests.

Built in Python (not typed as Turtle) so every mention's offsets and sentence are computed
from the text. It follows kg/graph.py's conventions: IRIs ``kgr:paper/<scheme>/<id>``; for
each link the typed relation of the entity's type, ``kgo:mentions``, and ``kgo:proposes``
when the paper introduces the entity; the Link's ``kgo:relation`` is the most specific one;
confidences are xsd:decimal.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

KGO = "https://w3id.org/kg-ml/ontology#"
KGR = "https://w3id.org/kg-ml/id/"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
EXTRACTOR = ox.NamedNode(KGR + "extractor/0.1.0")

# key, type, label, aliases, variant_of
ENTITIES = [
    ("method/dpo", "Method", "DPO", ["Direct Preference Optimization"], None),
    ("method/dpo-x", "Method", "DPO-X", [], None),
    ("method/lora", "Method", "LoRA", ["Low-Rank Adaptation"], None),
    ("method/ppo", "Method", "PPO", ["Proximal Policy Optimization"], None),
    ("model/llama-2", "Model", "Llama-2", ["LLaMA 2", "Llama 2"], None),
    ("model/llama-2-7b", "Model", "Llama-2 7B", [], "model/llama-2"),
    ("model/gpt-4", "Model", "GPT-4", [], None),
    ("dataset/the-pile", "Dataset", "The Pile", [], None),
    ("dataset/squad", "Dataset", "SQuAD", [], None),
    ("benchmark/mmlu", "Benchmark", "MMLU", ["Massive Multitask Language Understanding"], None),
    ("benchmark/gsm8k", "Benchmark", "GSM8K", [], None),
    ("benchmark/qa-bench", "Benchmark", "QA-Bench", [], None),
    ("task/question-answering", "Task", "question answering", ["QA"], None),
    ("metric/accuracy", "Metric", "accuracy", [], None),
    ("metric/f1", "Metric", "F1", [], None),
]

# key, arxiv id, date (lexical, datatype), title, abstract, links: (entity key, relation, [(field, text)])
PAPERS = [
    ("arxiv:2401.00001", "2401.00001", ("2024-01-15", "date"),
     "DPO-X: Direct Preference Optimization, Extended",
     "We propose DPO-X, a variant of DPO. We fine-tune Llama-2 7B with LoRA on The Pile. "
     "We evaluate on MMLU and GSM8K and report accuracy.",
     [("method/dpo-x", "proposes", [("title", "DPO-X"), ("abstract", "DPO-X")]),
      ("method/dpo", "usesMethod", [("title", "Direct Preference Optimization"), ("abstract", "DPO")]),
      ("model/llama-2-7b", "usesModel", [("abstract", "Llama-2 7B")]),
      ("method/lora", "usesMethod", [("abstract", "LoRA")]),
      ("dataset/the-pile", "usesDataset", [("abstract", "The Pile")]),
      ("benchmark/mmlu", "evaluatesOn", [("abstract", "MMLU")]),
      ("benchmark/gsm8k", "evaluatesOn", [("abstract", "GSM8K")]),
      ("metric/accuracy", "reportsMetric", [("abstract", "accuracy")])]),
    ("arxiv:2401.00002", "2401.00002", ("2024-01-20", "date"),
     "Preference tuning at scale",
     "We compare DPO and PPO for aligning GPT-4 class models. Experiments on MMLU show that DPO improves accuracy.",
     [("method/dpo", "usesMethod", [("abstract", "DPO")]),
      ("method/ppo", "usesMethod", [("abstract", "PPO")]),
      ("model/gpt-4", "usesModel", [("abstract", "GPT-4")]),
      ("benchmark/mmlu", "evaluatesOn", [("abstract", "MMLU")]),
      ("metric/accuracy", "reportsMetric", [("abstract", "accuracy")])]),
    ("arxiv:2402.00003", "2402.00003", ("2024-02", "gYearMonth"),
     "LoRA adapters for question answering",
     "We study LoRA for question answering with Llama-2 on SQuAD. Our adapters improve F1 on SQuAD.",
     [("method/lora", "usesMethod", [("title", "LoRA"), ("abstract", "LoRA")]),
      ("task/question-answering", "addressesTask", [("title", "question answering")]),
      ("model/llama-2", "usesModel", [("abstract", "Llama-2")]),
      ("dataset/squad", "usesDataset", [("abstract", "SQuAD")]),
      ("metric/f1", "reportsMetric", [("abstract", "F1")])]),
    ("arxiv:2402.00004", "2402.00004", ("2024-02-03", "date"),
     "QA-Bench: a benchmark for question answering",
     "We introduce QA-Bench, a new benchmark for question answering. GPT-4 and Llama-2 are evaluated on QA-Bench and MMLU.",
     [("benchmark/qa-bench", "proposes", [("title", "QA-Bench"), ("abstract", "QA-Bench")]),
      ("task/question-answering", "addressesTask", [("abstract", "question answering")]),
      ("model/gpt-4", "usesModel", [("abstract", "GPT-4")]),
      ("model/llama-2", "usesModel", [("abstract", "Llama-2")]),
      ("benchmark/mmlu", "evaluatesOn", [("abstract", "MMLU")])]),
    ("title:5f2a9c", None, ("--03-05", "gMonthDay"),
     "A note on PPO",
     "We revisit PPO. PPO remains strong.",
     [("method/ppo", "usesMethod", [("title", "PPO"), ("abstract", "PPO")])]),
]


def _iri(path: str) -> ox.NamedNode:
    return ox.NamedNode(KGR + path)


def _kgo(name: str) -> ox.NamedNode:
    return ox.NamedNode(KGO + name)


RELATION_BY_TYPE = {"Method": "usesMethod", "Model": "usesModel", "Dataset": "usesDataset",
                    "Benchmark": "evaluatesOn", "Task": "addressesTask", "Metric": "reportsMetric"}


def paper_iri(key: str) -> ox.NamedNode:
    scheme, _, rest = key.partition(":")
    return _iri(f"paper/{scheme}/{rest}")


def _decimal(value: float) -> ox.Literal:
    return ox.Literal(f"{value:.3f}", datatype=ox.NamedNode(XSD + "decimal"))


def _find(text: str, needle: str) -> int:
    """Offset of ``needle`` as a whole word (not inside a longer name such as DPO in DPO-X)."""
    match = re.search(r"(?<![\w-])" + re.escape(needle) + r"(?![\w-])", text)
    assert match, (needle, text)
    return match.start()


def _sentence(text: str, start: int) -> tuple[str, int]:
    """The sentence of ``text`` holding offset ``start`` and the sentence's own offset."""
    begin = 0
    for match in re.finditer(r"\. ", text):
        if match.end() <= start:
            begin = match.end()
    stop = text.find(". ", start)
    stop = len(text) if stop < 0 else stop + 1
    return text[begin:stop], begin


def sample_store() -> ox.Store:
    """The sample graph in a fresh in-memory store."""
    store = ox.Store()
    add = store.add
    g = ox.DefaultGraph()

    def triple(s, p, o):
        add(ox.Quad(s, p, o, g))

    triple(EXTRACTOR, RDF_TYPE, ox.NamedNode(PROV + "SoftwareAgent"))
    paper_count: dict[str, int] = {}
    for _, _, _, _, _, links in PAPERS:
        for entity_key, _, _ in links:
            paper_count[entity_key] = paper_count.get(entity_key, 0) + 1
    for key, etype, label, aliases, variant_of in ENTITIES:
        e = _iri(key)
        triple(e, RDF_TYPE, _kgo(etype))
        triple(e, ox.NamedNode(SKOS + "prefLabel"), ox.Literal(label))
        for alias in aliases:
            triple(e, ox.NamedNode(SKOS + "altLabel"), ox.Literal(alias))
        triple(e, _kgo("key"), ox.Literal(key))
        triple(e, _kgo("paperCount"), ox.Literal(paper_count.get(key, 0)))
        if variant_of:
            triple(e, _kgo("variantOf"), _iri(variant_of))
    for key, arxiv_id, (date, date_type), title, abstract, links in PAPERS:
        p = paper_iri(key)
        triple(p, RDF_TYPE, _kgo("Paper"))
        triple(p, ox.NamedNode(DCT + "title"), ox.Literal(title))
        triple(p, ox.NamedNode(DCT + "abstract"), ox.Literal(abstract))
        triple(p, ox.NamedNode(DCT + "date"), ox.Literal(date, datatype=ox.NamedNode(XSD + date_type)))
        if arxiv_id:
            triple(p, _kgo("arxivId"), ox.Literal(arxiv_id))
        fields = {"title": title, "abstract": abstract}
        types = {k: t for k, t, _, _, _ in ENTITIES}
        for entity_key, relation, mentions in links:
            e = _iri(entity_key)
            role = "proposed" if relation == "proposes" else "used"
            assert relation in ("proposes", RELATION_BY_TYPE[types[entity_key]]), (key, entity_key)
            link = ox.NamedNode(paper_iri(key).value.replace("/paper/", "/link/") + "/" + entity_key)
            triple(p, _kgo(RELATION_BY_TYPE[types[entity_key]]), e)
            triple(p, _kgo("mentions"), e)
            if role == "proposed":
                triple(p, _kgo("proposes"), e)
            triple(link, RDF_TYPE, _kgo("Link"))
            triple(link, _kgo("paper"), p)
            triple(link, _kgo("entity"), e)
            triple(link, _kgo("relation"), _kgo(relation))
            triple(link, _kgo("role"), ox.Literal(role))
            triple(link, _kgo("confidence"), _decimal(0.9 if role == "used" else 0.8))
            triple(link, _kgo("mentionCount"), ox.Literal(len(mentions)))
            for field, text in mentions:
                start = _find(fields[field], text)
                sentence, sentence_start = _sentence(fields[field], start)
                m = ox.NamedNode(paper_iri(key).value.replace("/paper/", "/mention/") + f"/{field}-{start}-{start + len(text)}")
                triple(link, _kgo("hasMention"), m)
                triple(m, RDF_TYPE, _kgo("Mention"))
                triple(m, _kgo("inPaper"), p)
                triple(m, _kgo("ofEntity"), e)
                triple(m, _kgo("exact"), ox.Literal(text))
                triple(m, _kgo("field"), ox.Literal(field))
                triple(m, _kgo("start"), ox.Literal(start))
                triple(m, _kgo("end"), ox.Literal(start + len(text)))
                triple(m, _kgo("sentence"), ox.Literal(sentence))
                triple(m, _kgo("sentenceStart"), ox.Literal(sentence_start))
                triple(m, _kgo("confidence"), _decimal(0.9))
                triple(m, _kgo("role"), ox.Literal(role))
                triple(m, ox.NamedNode(PROV + "wasGeneratedBy"), EXTRACTOR)
    return store


def sample_turtle() -> str:
    """The sample graph as Turtle."""
    return sample_store().dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
                               prefixes={"kgo": KGO, "kgr": KGR}).decode()
