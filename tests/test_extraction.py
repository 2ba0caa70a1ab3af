"""Tests of kg.extraction with the real English pipeline (loaded once per session)."""

from __future__ import annotations

import pytest

from kg.extraction import EXTRACTOR_VERSION, Extractor, extract, to_contract
from kg.model import Paper

TITLE = "FooNet: Sparse Attention for Vision"
ABSTRACT = ("Vision Transformers (ViT) are strong. We propose FooNet, which prunes tokens with "
            "dynamic sparse attention. We fine-tune GPT-4o and Llama-3.1-8B-Instruct and evaluate "
            "on ImageNet-1K and the MMVet benchmark, reporting top-1 accuracy and R@1.")


@pytest.fixture(scope="module")
def accurate():
    return Extractor("accurate")


def _by_name(entities):
    return {e.name: e for e in entities}


def test_extract_offsets_and_sentences(accurate):
    paper = Paper(key="p1", title=TITLE, abstract=ABSTRACT)
    (result,) = list(accurate.extract([paper]))
    assert result.paper is paper
    for ent in result.entities:
        for m in ent.mentions:
            assert paper.text(m.field)[m.start:m.end] == m.text
            assert paper.text(m.field)[m.sentence_start:m.sentence_start + len(m.sentence)] == m.sentence
            assert m.sentence_start <= m.start and m.end <= m.sentence_start + len(m.sentence)


def test_extract_names_types_roles(accurate):
    ents = _by_name(next(accurate.extract([Paper(key="p", title=TITLE, abstract=ABSTRACT)])).entities)
    assert ents["FooNet"].role == "proposed" and ents["FooNet"].type == "Method"
    assert len(ents["FooNet"].mentions) == 2
    assert ents["Vision Transformers"].aliases == ("ViT",)
    assert ents["GPT-4o"].type == "Model" and ents["GPT-4o"].role == "used"
    assert ents["Llama-3.1-8B-Instruct"].type == "Model"
    assert ents["MMVet"].type == "Benchmark"
    assert ents["top-1 accuracy"].type == "Metric" and ents["R@1"].type == "Metric"
    assert all(0.0 <= e.confidence <= 1.0 for e in ents.values())


def test_extract_function_and_contract():
    ents = extract(TITLE, ABSTRACT, profile="fast")
    assert "GPT-4o" in {e.name for e in ents}
    paper = Paper(key="arxiv:1", input_id="x1", title=TITLE, abstract=ABSTRACT)
    (result,) = list(Extractor("fast").extract([paper]))
    c = to_contract(result)
    assert c["id"] == "x1" and c["title"] == TITLE
    ent = c["entities"][0]
    assert set(ent) == {"name", "aliases", "type", "role", "confidence", "mentions"}
    assert set(ent["mentions"][0]) == {"field", "start", "end", "text"}
    assert isinstance(EXTRACTOR_VERSION, str) and EXTRACTOR_VERSION


def test_empty_abstract_and_unknown_profile():
    assert extract("", "", profile="fast") == []
    with pytest.raises(ValueError, match="profile"):
        Extractor("slow")


def test_parallel_matches_serial():
    papers = [Paper(key=f"p{i}", title=f"Paper {i} on GPT-4o", abstract=ABSTRACT) for i in range(5)]
    ex = Extractor("fast")
    serial = list(ex.extract(papers, batch_size=2))
    parallel = list(ex.extract(papers, jobs=2, batch_size=2))
    assert parallel == serial


def test_title_variants_join_the_abstract_entity(accurate):
    from kg.extraction import is_variant

    assert is_variant(["multi-view", "style", "transfer"], ["multi-view", "consistent", "style", "transfer"])
    assert is_variant(["one-step", "diffusion"], ["one-step", "diffusion", "model"])
    assert not is_variant(["style", "transfer"], ["multi-view", "style", "transfer"])  # another thing
    assert not is_variant(["diffusion"], ["diffusion", "model"])
    paper = Paper(key="p", title="Towards Multi-View Consistent Style Transfer",
                  abstract="We study multi-view style transfer for 3D scenes. A linear probe and a "
                           "linear regression probe are compared.")
    ents = {e.name: e for e in next(accurate.extract([paper])).entities}
    merged = ents["Multi-View Consistent Style Transfer"]
    assert merged.type == "Task" and "multi-view style transfer" in merged.aliases
    assert {m.field for m in merged.mentions} == {"title", "abstract"}


def test_names_of_one_gazetteer_entry_are_one_entity(accurate):
    paper = Paper(key="p", title="", abstract="Text-to-image (T2I) models are popular. We study "
                                               "text-to-image generation.")
    ents = next(accurate.extract([paper])).entities
    tasks = [e for e in ents if e.type == "Task"]
    assert len(tasks) == 1 and tasks[0].name == "text-to-image generation"
    assert {"Text-to-image", "T2I"} <= set(tasks[0].aliases)


def test_quoted_coined_names(accurate):
    abstract = ("We propose a ``stepping-stone'' text augmentation strategy and an \"ignore-k\" "
                "update pruning method.")
    result = next(accurate.extract([Paper(key="p", title="", abstract=abstract)]))
    ents = {e.name: e for e in result.entities}
    assert "stepping-stone text augmentation" in ents and "ignore-k update pruning" in ents
    m = ents["ignore-k update pruning"].mentions[0]
    assert m.text == '"ignore-k" update pruning' and abstract[m.start:m.end] == m.text


def test_metric_names_keep_what_they_measure(accurate):
    abstract = ("We report top-5 accuracy and retrieval recall, cut inference latency and raise "
                "classification accuracy.")
    names = {e.name for e in extract("", abstract)}
    assert {"retrieval recall", "inference latency", "top-5 accuracy"} <= names
    assert "classification accuracy" not in names


def test_title_restates_abstract_names_and_roles(accurate):
    paper = Paper(key="p", title="Efficient Vision Transformers for Images",
                  abstract="Vision Transformers (ViT) are strong. By integrating the control signal with the "
                           "proposed adaptive dual-control module, we leverage priors and propose a novel "
                           "style transfer method, OSDiffST, based on diffusion.")
    ents = {e.name: e for e in next(accurate.extract([paper])).entities}
    assert "Transformers" not in ents
    vit = ents["Vision Transformers"]
    assert {m.field for m in vit.mentions} == {"title", "abstract"} and vit.aliases == ("ViT",)
    assert ents["adaptive dual-control module"].role == "proposed"
    assert ents["OSDiffST"].role == "proposed"


def test_known_term_around_an_abbreviation_long_form(accurate):
    abstract = ("Supervised learning is a paradigm for offline reinforcement learning (RL). "
                "We study offline RL further.")
    ents = {e.name: e for e in extract("", abstract)}
    assert "reinforcement learning" not in ents
    assert ents["offline reinforcement learning"].type == "Task"
    assert "RL" in ents["offline reinforcement learning"].aliases


def test_items_listed_with_a_task_are_tasks(accurate):
    abstract = ("The model has a broad array of capabilities, including mathematical reasoning, coding, "
                "and summarization, but fails in other tasks.")
    ents = {e.name: e.type for e in extract("", abstract)}
    assert ents.get("coding") == "Task" and ents.get("mathematical reasoning") == "Task"
    assert "other tasks" not in ents


def test_system_components_named_by_what_they_handle_are_not_entities(accurate):
    abstract = ("We train an actor network and a critic network with a frozen text encoder. "
                "A convolutional network with contrastive learning serves as the baseline.")
    names = {e.name for e in extract("", abstract)}
    assert not names & {"actor network", "critic network", "text encoder"}
    assert "convolutional network" in names and "contrastive learning" in names


def test_learning_what_is_learned_is_a_task(accurate):
    abstract = ("Operator learning and visual representation learning are studied with "
                "multimodal learning and contrastive learning.")
    ents = {e.name: e.type for e in extract("", abstract)}
    assert ents.get("Operator learning", ents.get("operator learning")) == "Task"
    assert ents.get("visual representation learning") == "Task"
    assert ents.get("multimodal learning") == "Method" and ents.get("contrastive learning") == "Method"
