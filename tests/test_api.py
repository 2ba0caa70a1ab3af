"""The public library API: kg.build/load/extract and KnowledgeGraph, including .add and .show.

Graphs are small: inline papers extracted with the fast profile, or the ready-made example.
"""

from __future__ import annotations

import doctest
import html
import importlib
import inspect
import pkgutil
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import rdflib
from rdflib.compare import isomorphic

import kg
from kg.graph import KnowledgeGraph
from kg.model import Paper

ROOT = Path(__file__).resolve().parent.parent

PAPERS = [
    Paper("arxiv:2401.00001", "Direct Preference Optimization for Llama-2",
          "We fine-tune Llama-2 with Direct Preference Optimization (DPO) and evaluate on MMLU and GSM8K.",
          date="2024-01-15"),
    Paper("arxiv:2401.00002", "Scaling LoRA",
          "We apply LoRA to GPT-4 class models and report accuracy on MMLU.", date="2024-02-03"),
    Paper("arxiv:2401.00003", "Preference tuning revisited",
          "We compare DPO with PPO for aligning Llama-2 and evaluate on GSM8K.", date="--07-22"),
    Paper("arxiv:2401.00004", "A study of GSM8K",
          "We evaluate GPT-4 and Llama-2 on GSM8K and MATH with chain-of-thought prompting."),
]


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(kg.__path__, "kg.") if m.name != "kg.__main__")


@pytest.mark.parametrize("name", ["kg", *_modules()])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for test in finder.find(module, name, globs=vars(module).copy()):
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} failing doctest example(s) in {name}"


def test_public_api_is_exported_typed_and_documented():
    assert sorted(kg.__all__) == ["KnowledgeGraph", "build", "extract", "load"]
    assert (ROOT / "kg" / "py.typed").is_file()
    for name in ("build", "load", "extract"):
        function = getattr(kg, name)
        assert "Examples" in function.__doc__ and "Returns" in function.__doc__
        annotations = inspect.get_annotations(function)
        assert set(inspect.signature(function).parameters) <= set(annotations)
        assert "return" in annotations or name == "build"  # kg.pipeline.build: return annotation pending
    public = [m for m, v in vars(KnowledgeGraph).items() if not m.startswith("_") and callable(v)]
    for method in ["sparql", "to_rdflib", "to_networkx", "add", "save", "show", "centrality", "communities",
                   "cooccurrence_table", "trends", "related_papers", "from_papers", "load"]:
        assert method in public or isinstance(vars(KnowledgeGraph)[method], classmethod), method
        assert getattr(KnowledgeGraph, method).__doc__, method


@pytest.fixture(scope="module")
def full() -> KnowledgeGraph:
    return KnowledgeGraph.from_papers(PAPERS, profile="fast")


def test_from_papers_gives_tables_queries_and_views(full):
    assert full.papers["id"].tolist() == [p.key for p in PAPERS]
    assert {"Model", "Benchmark"} <= set(full.entities["type"])
    assert set(full.links["paper_key"]) == {p.key for p in PAPERS}
    mentions = full.mentions
    papers = {p.key: p for p in PAPERS}
    for row in mentions.itertuples():  # every mention points at its text
        assert papers[row.paper_key].text(row.field)[row.start:row.end] == row.text
    llama = full.sparql("SELECT ?p WHERE { ?p kgo:usesModel ?m . ?m skos:prefLabel 'Llama-2' }")
    assert isinstance(llama, pd.DataFrame) and len(llama) == 3
    rdf = full.to_rdflib()
    assert isomorphic(rdf, rdflib.Graph().parse(data=full.to_turtle(), format="turtle"))
    g = full.to_networkx()
    assert isinstance(g, nx.Graph)
    assert g.number_of_nodes() == len(full.papers) + len(full.entities)
    assert g.number_of_edges() == len(full.links)


def test_add_gives_the_graph_of_building_everything_at_once(full):
    graph = KnowledgeGraph.from_papers(PAPERS[:2], profile="fast")
    before = len(graph.entities)
    graph.add(PAPERS[2:])
    assert graph.to_turtle() == full.to_turtle()
    assert len(graph.entities) > before
    assert graph.report.papers == 4 and graph.report.records == 4


def test_add_to_a_loaded_graph_reextracts_and_links_with_existing_entities(full, tmp_path):
    KnowledgeGraph.from_papers(PAPERS[:3], profile="fast").save(tmp_path, html=False)
    loaded = kg.load(tmp_path)
    loaded.add(PAPERS[3], profile="fast")
    assert loaded.to_turtle() == full.to_turtle()
    # GSM8K of the new paper is the same node as the old papers' GSM8K
    gsm8k = full.entities.loc[full.entities["label"] == "GSM8K", "key"].item()
    assert set(loaded.links.loc[loaded.links["entity_key"] == gsm8k, "paper_key"]) == {
        "arxiv:2401.00001", "arxiv:2401.00003", "arxiv:2401.00004"}


def test_add_reads_paths_and_merges_a_paper_already_present(data_dir):
    graph = KnowledgeGraph.from_papers([Paper("arxiv:2401.00002", "Second Paper", "We use MMLU.")], profile="fast")
    problems = []
    graph.add(data_dir / "papers.jsonl", on_problem=problems.append)
    papers = graph.papers.set_index("key")
    assert "arxiv:2401.00001" in papers.index
    assert papers.loc["arxiv:2401.00002", "authors"] in ("Ada Lovelace; Alan Turing", "Alan Turing; Ada Lovelace")
    assert papers.index.is_unique
    assert problems and all("papers.jsonl" in str(p) for p in problems)
    assert graph.problems == problems


def test_add_refuses_other_objects():
    graph = KnowledgeGraph.example()
    with pytest.raises(TypeError):
        graph.add([PAPERS[0], "papers.jsonl"])


def test_cooccurrence_of_a_loaded_graph_comes_from_its_links(full, tmp_path):
    full.save(tmp_path, html=False)
    assert kg.load(tmp_path).cooccurrence == full.cooccurrence
    assert full.cooccurrence  # the build's own counts


def test_save_and_load_round_trip(tmp_path):
    graph = KnowledgeGraph.example()
    written = graph.save(tmp_path)
    assert written["html"].name == "index.html"
    assert kg.load(tmp_path).to_turtle() == graph.to_turtle()
    assert kg.load(tmp_path / "graph.ttl").to_turtle() == graph.to_turtle()


def test_show_embeds_the_explorer_in_a_sandboxed_srcdoc_iframe():
    from kg.export.html import to_html

    graph = KnowledgeGraph.example()
    view = graph.show(height=300, title='A "quoted" <title>')
    markup = view._repr_html_()
    assert markup.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts"' in markup
    assert 'height="300"' in markup
    srcdoc = markup[len('<iframe srcdoc="'):markup.index('" sandbox=')]
    assert '"' not in srcdoc and "<" not in srcdoc  # the page cannot break out of the attribute
    assert html.unescape(srcdoc) == view.html == to_html(
        graph.papers, graph.entities, graph.links, graph.mentions, title='A "quoted" <title>')


def test_extract_one_text():
    found = kg.extract("Tuning Llama-2", "We evaluate on GSM8K.", profile="fast")
    assert ("GSM8K", "Benchmark") in [(e.name, e.type) for e in found]
    assert all(m.field in ("title", "abstract") for e in found for m in e.mentions)


def test_related_papers_prefers_rare_shared_entities():
    graph = KnowledgeGraph.example()
    related = graph.related_papers("arxiv:2401.00001")
    assert related["key"].tolist()[0] == "arxiv:2402.00003"  # shares LoRA, Llama-2 and MMLU
    assert related["score"].is_monotonic_decreasing


def test_an_installed_wheel_layout_finds_the_ontology_inside_the_package(tmp_path):
    """A wheel ships ontology/ as kg/ontology/ (pyproject package-dir); vocab and queries look there."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    site = tmp_path / "site"
    shutil.copytree(root / "kg", site / "kg", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "ontology", site / "kg" / "ontology")
    code = ("import kg.vocab, kg.queries; print(kg.vocab.ONTOLOGY_DIR); print(len(kg.queries.list_queries())); "
            "print(kg.vocab.KGO.Paper.value)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": ""},
                          capture_output=True, text=True, check=True)
    folder, count, paper = done.stdout.split()
    assert Path(folder) == site / "kg" / "ontology"
    assert int(count) == len(list((root / "ontology" / "queries").glob("*.rq"))) > 10
    assert paper == "https://w3id.org/kg-ml/ontology#Paper"
