"""Tests of kg.link: normalisation, slugs, keys, links, determinism, overrides, views."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.link import (
    OverrideError,
    cooccurrence,
    entity_table,
    family_name,
    link,
    normalise_name,
    read_overrides,
    slugify,
)
from kg.model import ENTITY_TYPES, ExtractedEntity, Mention, Paper, PaperExtraction

from test_link_cases import corpus, node


def paper(key: str, *entities: ExtractedEntity, input_id: str | None = None) -> PaperExtraction:
    return PaperExtraction(Paper(key=key, title=key, input_id=input_id), tuple(entities))


def ent(name: str, type_: str = "Method", *aliases: str, role: str = "used", confidence: float = 0.5,
        mentions: tuple[Mention, ...] = ()) -> ExtractedEntity:
    return ExtractedEntity(name=name, type=type_, role=role, confidence=confidence, aliases=aliases, mentions=mentions)


def snapshot(linked) -> tuple:
    return (
        list(linked.entities.items()),
        linked.links,
        list(linked.aliases.items()),
        linked.rejected,
    )


# --- normalise_name -------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "key"), [
    ("Transformers", "transformer"),
    ("SSMs", "ssm"),
    ("LLMs", "llm"),
    ("GLUE", "glue"),
    ("MMLU", "mmlu"),
    ("SQuAD", "squad"),
    ("Naive Bayes", "naivebayes"),
    ("physics", "physics"),
    ("corpus", "corpus"),
    ("analysis", "analysis"),
    ("strategies", "strategy"),
    ("processes", "process"),
    ("matrices", "matrix"),
    ("GPT-3.5", "gpt3.5"),
    ("Qwen2.5-7B", "qwen2.5.7b"),
    ("Qwen2-57B", "qwen2.57b"),
    ("Direct Preference Optimisation", "directpreferenceoptimization"),
    ("The Pile", "pile"),
    ("pass@1", "pass@1"),
    ("C++", "c++"),
    ("  ", ""),
    ("\u03b1-entmax", "alphaentmax"),
])
def test_normalise_name(name, key):
    assert normalise_name(name) == key


def test_normalise_ignores_unicode_dashes_and_separators():
    forms = ["Llama-2 7B", "Llama\u20112\u20137B", "llama_2_7b", "LLaMA 2-7b", "Llama\u2014 2 7B", "Llama.2.7B"]
    assert len({normalise_name(f) for f in forms}) == 1


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_normalise_is_idempotent_on_its_output_and_never_raises(name):
    key = normalise_name(name)
    assert key == key.strip()
    assert not re.search(r"\s", key)


# --- slugify ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "slug"), [
    ("Llama-2 7B", "llama-2-7b"),
    ("GPT-3.5", "gpt-3.5"),
    ("Direct Preference Optimization", "direct-preference-optimization"),
    ("pass@1", "pass-at-1"),
    ("C++", "c-plus-plus"),
    ("Fr\u00e9chet Inception Distance", "frechet-inception-distance"),
    ("\u03b2-VAE", "beta-vae"),
    ("U.S. data", "u-s-data"),
    ("ViT-B/16", "vit-b-16"),
    ("\u4e2d\u6587", "u4e2d-u6587"),
])
def test_slugify(name, slug):
    assert slugify(name) == slug


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_slugify_is_iri_safe_non_empty_and_deterministic(name):
    slug = slugify(name)
    assert slug
    assert re.fullmatch(r"[a-z0-9._~-]+", slug)
    assert not slug.startswith(("-", ".")) and not slug.endswith(("-", "."))
    assert slugify(name) == slug


def test_slugify_of_nothing_is_a_hash():
    assert re.fullmatch(r"x[0-9a-f]{8}", slugify(""))
    assert slugify("---") != slugify("+++")


# --- family_name ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "type_", "family"), [
    ("Llama-2-7b-chat-hf", "Model", "Llama-2"),
    ("Qwen2.5-Coder-32B-Instruct", "Model", "Qwen2.5-Coder"),
    ("Gemma-2-9B-it", "Model", "Gemma-2"),
    ("DenseNet-121", "Method", "DenseNet"),
    ("BERT-large", "Method", None),
    ("BERT-large", "Model", "BERT"),
    ("LAION-5B", "Dataset", None),
    ("Llama 3", "Model", None),
    ("7B", "Model", None),
])
def test_family_name(name, type_, family):
    assert family_name(name, type_) == family


# --- link: nodes, labels, types, keys -----------------------------------------------------------

def test_dpo_one_node_with_long_form_label_and_evidence():
    linked = link(corpus([
        "Direct Preference Optimization [DPO]", "Direct Preference Optimization [DPO]", "DPO",
        "direct preference optimisation",
    ]))
    (entity,) = linked.entities.values()
    assert entity.key == "method/direct-preference-optimization"
    assert entity.label == "Direct Preference Optimization"
    assert entity.aliases == ("DPO", "direct preference optimisation")
    assert any("'DPO' = 'Direct Preference Optimization': defined in p0, p1" in e for e in entity.evidence)
    assert any(e.startswith("same normalised form") for e in entity.evidence)
    assert [l.paper_key for l in linked.links] == ["p0", "p1", "p2", "p3"]
    support = {a.entity_key: a for a in linked.aliases["DPO"]}
    assert support[entity.key].papers == ("p0", "p1", "p2")
    assert "definition" in support[entity.key].evidence and "name" in support[entity.key].evidence


def test_label_is_the_most_used_name():
    linked = link(corpus(["BERT :Model", "BERT :Model",
                          "Bidirectional Encoder Representations from Transformers [BERT] :Model"]))
    (entity,) = linked.entities.values()
    assert entity.label == "BERT"
    assert entity.key == "model/bert"


def test_type_by_majority_with_documented_tie_break():
    linked = link(corpus(["CLIP :Method", "CLIP :Model", "CLIP :Model"]))
    assert list(linked.entities) == ["model/clip"]
    tie = link(corpus(["SAM :Method", "SAM :Model"]))
    assert list(tie.entities) == ["model/sam"]  # equal votes and confidence: Model before Method
    assert any(e.startswith("type by papers: Method 1, Model 1") for e in tie.entities["model/sam"].evidence)
    by_confidence = link([paper("a", ent("GSM8K", "Dataset", confidence=0.4)),
                          paper("b", ent("GSM8K", "Benchmark", confidence=0.9))])
    assert list(by_confidence.entities) == ["benchmark/gsm8k"]


def test_ambiguous_acronym_gives_two_entities_and_an_honest_bare_node():
    linked = link(corpus(["Chain-of-Thought [CoT]", "Co-Training [CoT]", "CoT"]))
    keys = set(linked.entities)
    assert {"method/chain-of-thought", "method/co-training", "method/cot"} == keys
    assert any("ambiguous alias 'CoT'" in e for e in linked.entities["method/cot"].evidence)
    assert {a.entity_key for a in linked.aliases["CoT"]} == keys


def test_ambiguity_survives_a_transitive_bridge():
    # A bogus alias in a third paper must not join the two senses of CoT.
    linked = link(corpus(["Chain-of-Thought [CoT]", "Co-Training [CoT]",
                          "chain of thought [chain-of-thought training]", "chain-of-thought training [Co-Training]"]))
    assert node(linked, "0:Chain-of-Thought") != node(linked, "1:Co-Training")


def test_variant_family_created_once_without_links():
    linked = link(corpus(["Llama-2 7B :Model | Llama-2-13B :Model", "Llama-2-7b-chat :Model"]))
    family = linked.entities["model/llama-2"]
    assert family.variant_of is None and "family created from its variants" in family.evidence
    assert {e.variant_of for k, e in linked.entities.items() if k != "model/llama-2"} == {"model/llama-2"}
    assert not [l for l in linked.links if l.entity_key == "model/llama-2"]
    assert entity_table(linked).set_index("key").loc["model/llama-2", "paper_count"] == 0


def test_slug_collisions_get_order_independent_suffixes():
    papers = [paper("a", ent("C#")), paper("b", ent("C sharp")), paper("c", ent("C sharp"))]
    forward, backward = link(papers), link(papers[::-1])
    assert list(forward.entities) == list(backward.entities)
    keys = list(forward.entities)
    assert "method/c-sharp" in keys
    assert len(keys) == 2 and re.fullmatch(r"method/c-sharp-[0-9a-f]{6}", [k for k in keys if k != "method/c-sharp"][0])
    assert forward.entity_of("b", "C sharp") == "method/c-sharp"  # more papers keep the plain key


# --- links --------------------------------------------------------------------------------------

def test_links_merge_role_confidence_and_mentions_per_paper():
    m1 = Mention("abstract", 0, 11, "Transformer")
    m2 = Mention("abstract", 40, 52, "Transformers")
    m3 = Mention("title", 3, 14, "Transformer")
    linked = link([paper("p", ent("Transformer", confidence=0.4, mentions=(m1, m3)),
                         ent("Transformers", role="proposed", confidence=0.8, mentions=(m2,)))])
    (only,) = linked.links
    assert only.role == "proposed" and only.confidence == 0.8
    assert only.mentions == (m1, m2, m3)
    assert only.name == "Transformer"  # most mentions
    assert only.entity_key == "method/transformer"


def test_duplicate_paper_keys_are_pooled():
    linked = link([paper("p", ent("GAN")), paper("p", ent("GANs", role="proposed"))])
    assert len(linked.links) == 1 and linked.links[0].role == "proposed"


def test_empty_and_blank_names_are_skipped():
    linked = link([paper("p", ent("  "), ent("---"), ent("BERT", "Model"))])
    assert list(linked.entities) == ["model/bert"]
    assert link([]).entities == {} and link([]).links == []


def test_rejected_aliases_are_reported():
    linked = link(corpus(["Llama-2 [Llama] :Model"]))
    assert linked.rejected and "'Llama' as alias of 'Llama-2'" in linked.rejected[0]


# --- determinism --------------------------------------------------------------------------------

MIXED = [
    "Direct Preference Optimization [DPO] | Llama-2 7B :Model | MMLU :Benchmark",
    "DPO | Llama-2-13B :Model | GSM8K :Benchmark | Chain-of-Thought [CoT]",
    "Co-Training [CoT] | CIFAR-10 :Dataset | ResNet-50 :Model",
    "CoT | GSM8K :Benchmark | GPT-4 :Model | GPT-4o :Model",
    "CoT | CIFAR-10 :Dataset | ResNet :Method",
    "*Mixture of Experts [MoE] | Transformers | C# | C sharp | CLIP :Method",
    "CLIP :Model | Transformer | transformer | Low-Rank Adaptation [LoRA] | low-rank adapters [LoRA] | LoRA",
    "CoT | Stable Diffusion XL :Model | Stable Diffusion [SD] :Model | standard deviation [SD] :Metric | SD",
]


def test_reverse_and_shuffled_input_give_identical_output():
    base = corpus(MIXED)
    expected = snapshot(link(base))
    assert snapshot(link(base[::-1])) == expected
    rng = random.Random(7)
    for _ in range(10):
        papers = [PaperExtraction(p.paper, tuple(rng.sample(p.entities, len(p.entities)))) for p in base]
        rng.shuffle(papers)
        assert snapshot(link(papers)) == expected


def test_bare_ambiguous_uses_in_mixed_corpus_follow_context():
    linked = link(corpus(MIXED))
    assert node(linked, "3:CoT") == node(linked, "1:Chain-of-Thought")  # GSM8K context
    assert node(linked, "4:CoT") == node(linked, "2:Co-Training")  # CIFAR-10 context


def test_dev_gold_has_no_nodes_differing_only_by_case_or_separators(dev_gold: Path):
    gold = json.loads(dev_gold.read_text(encoding="utf-8"))
    extractions = [
        PaperExtraction(Paper(key=p["id"], title=p["id"]), tuple(
            ExtractedEntity(name=e["name"], type=e["type"], role=e["role"], aliases=tuple(e["aliases"]))
            for e in p["entities"]))
        for p in gold
    ]
    linked = link(extractions)
    assert snapshot(link(extractions[::-1])) == snapshot(linked)
    loose = {}
    for e in linked.entities.values():
        squashed = re.sub(r"[\s\-._]", "", e.label.lower())
        assert squashed not in loose, (e.key, loose.get(squashed))
        loose[squashed] = e.key
    assert len(linked.entities) < sum(len(p["entities"]) for p in gold)


# --- overrides ----------------------------------------------------------------------------------

def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_override_merge_split_rename_type(tmp_path: Path):
    path = write(tmp_path, "# review of 2025-01\n\nmerge\tGPT-4\tGPT-4 Turbo\n"
                           "split\tLow-Rank Adaptation\tlow-rank adapters\n"
                           "rename\tDPO\tDPO (preference optimisation)\n"
                           "type\tGSM8K\tbenchmark\n")
    linked = link(corpus([
        "GPT-4 :Model | Direct Preference Optimization [DPO]", "GPT-4 Turbo :Model | GSM8K :Dataset",
        "Low-Rank Adaptation [LoRA]", "low-rank adapters [LoRA]",
    ]), path)
    assert node(linked, "0:GPT-4") == node(linked, "1:GPT-4 Turbo")
    assert node(linked, "2:Low-Rank Adaptation") != node(linked, "3:low-rank adapters")
    assert linked.entities[node(linked, "0:Direct Preference Optimization")].label == "DPO (preference optimisation)"
    assert node(linked, "0:Direct Preference Optimization") == "method/dpo-preference-optimisation"
    assert node(linked, "1:GSM8K") == "benchmark/gsm8k"


def test_override_sense_variant_novariant_ignore(tmp_path: Path):
    path = write(tmp_path, "sense\tpaper-two\tCoT\tCo-Training\nvariant\tVicuna\tLlama\n"
                           "novariant\tResNet-50\nignore\tlarge language models\n")
    extractions = [
        paper("a", ent("Chain-of-Thought", "Method", "CoT"), ent("Chain-of-Thought", "Method", "CoT")),
        paper("b", ent("Chain-of-Thought", "Method", "CoT")),
        paper("c", ent("Co-Training", "Method", "CoT")),
        paper("d", ent("CoT"), ent("Vicuna", "Model"), ent("Llama", "Model"), ent("ResNet-50", "Model"),
              ent("large language models"), input_id="paper-two"),
    ]
    linked = link(extractions, path)
    assert linked.entity_of("d", "CoT") == linked.entity_of("c", "Co-Training")  # not the majority sense
    assert linked.entities[linked.entity_of("d", "Vicuna")].variant_of == linked.entity_of("d", "Llama")
    assert linked.entities[linked.entity_of("d", "ResNet-50")].variant_of is None
    assert linked.entity_of("d", "large language models") is None


@pytest.mark.parametrize(("text", "message"), [
    ("merge\tA\n", r"overrides.tsv:1: merge takes 2 TAB-separated fields, got 1"),
    ("# c\nfuse\tA\tB\n", r"overrides.tsv:2: unknown directive 'fuse'"),
    ("type\tGSM8K\tCorpus\n", r"overrides.tsv:1: unknown type 'Corpus'"),
    ("ignore\t---\n", r"overrides.tsv:1: name '---' has no letters or digits"),
])
def test_override_errors_name_file_and_line(tmp_path: Path, text: str, message: str):
    path = write(tmp_path, text)
    with pytest.raises(OverrideError, match=message) as info:
        read_overrides(path)
    assert "\n" not in str(info.value)


def test_override_merge_against_split_is_an_error(tmp_path: Path):
    path = write(tmp_path, "split\tA\tB\nmerge\tA\tB\n")
    with pytest.raises(OverrideError, match=r"overrides.tsv:2: merge 'A' 'B' contradicts a split"):
        link(corpus(["A | B"]), path)


def test_override_split_of_one_normalised_name_is_an_error(tmp_path: Path):
    path = write(tmp_path, "split\tLLaMA\tLlama\n")
    with pytest.raises(OverrideError, match=r"overrides.tsv:1: split 'LLaMA' 'Llama': same normalised name"):
        link([], path)


def test_missing_override_file_is_a_one_line_error(tmp_path: Path):
    with pytest.raises(OverrideError, match=r"nope.tsv: cannot read override file"):
        link([], tmp_path / "nope.tsv")


# --- views --------------------------------------------------------------------------------------

def test_cooccurrence_counts_papers_with_sorted_pairs():
    linked = link(corpus(["DPO | GSM8K :Benchmark | Transformer", "DPO | GSM8K :Benchmark", "Transformers | DPO"]))
    counts = cooccurrence(linked)
    assert counts == {
        ("benchmark/gsm8k", "method/dpo"): 2,
        ("benchmark/gsm8k", "method/transformer"): 1,
        ("method/dpo", "method/transformer"): 2,
    }
    assert all(a < b for a, b in counts)


def test_entity_table_columns_and_rows():
    linked = link(corpus(["*Direct Preference Optimization [DPO] | Llama-2 7B :Model", "DPO | Llama-2 7B :Model"]))
    table = entity_table(linked)
    assert list(table.columns) == ["key", "type", "label", "aliases", "paper_count", "variant_of", "proposed_by",
                                   "evidence"]
    row = table.set_index("key").loc["method/direct-preference-optimization"]
    assert (row["aliases"], row["paper_count"], row["proposed_by"]) == ("DPO", 2, "p0")
    assert "defined in p0" in row["evidence"]
    assert table.set_index("key").loc["model/llama-2-7b", "variant_of"] == "model/llama-2"
    assert set(table["type"]) <= set(ENTITY_TYPES)
    assert list(table["key"]) == sorted(table["key"])


def test_alias_table_lists_each_sense_of_an_ambiguous_alias():
    from kg.link import alias_table

    linked = link(corpus(["Chain-of-Thought [CoT]", "chain of thought [CoT]", "Co-Training [CoT]"]))
    table = alias_table(linked)
    assert list(table.columns) == ["alias", "entity_key", "paper_count", "papers", "evidence"]
    cot = table[table["alias"] == "CoT"]
    assert list(cot["entity_key"]) == ["method/chain-of-thought", "method/co-training"]
    assert list(cot["papers"]) == ["p0; p1", "p2"]
    assert set(cot["evidence"]) == {"definition"}
