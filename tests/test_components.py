"""Tests of the spaCy components on blank pipelines (no statistical model needed)."""

from __future__ import annotations

import pytest
import spacy

import kg.nlp  # noqa: F401  (registers the factories)
from kg.components.abbreviations import best_long_form, find_abbreviations, is_short_form
from kg.components.candidates import is_name_shaped, is_title_cased, resolve_overlaps
from kg.components.confidence import span_confidence
from kg.components.entity_types import model_family
from kg.components.filters import rejection_reason
from kg.components.gazetteer import GazetteerEntry, case_compatible, read_gazetteer
from kg.components.lexicon import norm_key, singular_key
from kg.components.tokenizer import configure_tokenizer, is_name_token


@pytest.fixture(scope="module")
def blank():
    nlp = configure_tokenizer(spacy.blank("en"))
    nlp.add_pipe("sentencizer")
    return nlp


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    """Blank pipeline with every kg component and a tiny gazetteer written for the test."""
    path = tmp_path_factory.mktemp("gaz") / "gazetteer.tsv"
    path.write_text("name\ttype\taliases\nImageNet\tDataset\tImageNet-1K|ILSVRC\n"
                    "Bard\tModel\t\nMMLU\tBenchmark\t\nbits per byte\tMetric\tBPB\n"
                    "style transfer\tTask\t\nchain-of-thought prompting\tMethod\tchain-of-thought\n"
                    "text-to-image generation\tTask\t\n", encoding="utf-8")
    return kg.nlp.add_kg_pipes(spacy.blank("en"), gazetteer_path=str(path))


@pytest.mark.parametrize("name", ["GPT-4o", "Llama-3.1-8B-Instruct", "Qwen2.5-VL", "pass@1", "R@1",
                                  "ImageNet-1K", "3D-Front", "SE(3)-Transformer", "ViT-B/16", "T5-base"])
def test_ml_names_stay_one_token(blank, name):
    doc = blank(f"We compare ({name}), and {name}.")
    assert name in [t.text for t in doc]


@pytest.mark.parametrize("text,expected", [
    ("LLM-based methods", ["LLM", "-", "based", "methods"]),
    ("GPT-4V's answer", ["GPT-4V", "'s", "answer"]),
    ("on MMLU.", ["on", "MMLU", "."]),
    ("U.S. law", ["U.S.", "law"]),
])
def test_tokenizer_still_splits_non_names(blank, text, expected):
    assert [t.text for t in blank(text)] == expected


def test_is_name_token_rejects_numbers_and_compounds():
    assert not is_name_token("2.5")
    assert not is_name_token("text-to-3D")
    assert is_name_token("CIFAR-100")


def test_schwartz_hearst_long_form():
    assert best_long_form("SFT", "we then apply supervised fine-tuning") == "supervised fine-tuning"
    assert best_long_form("KTO", "and Kahneman-Tversky Optimization") == "Kahneman-Tversky Optimization"
    assert best_long_form("XYZ", "nothing matches here") is None
    assert is_short_form("SA-ICL") and not is_short_form("see") and not is_short_form("1")


def test_abbreviations_both_directions(blank):
    doc = blank("We use Direct Preference Optimization (DPO; Rafailov et al.) and SFT (supervised fine-tuning). "
                "Then DPO again (see below).")
    pairs = [(lf.text, sf.text) for lf, sf in find_abbreviations(doc)]
    assert pairs == [("Direct Preference Optimization", "DPO"), ("supervised fine-tuning", "SFT")]


def test_abbreviation_component_marks_later_mentions(rules):
    doc = rules("State space models (SSMs) work. SSMs are fast.")
    assert [(l.text, s.text) for l, s in doc._.abbreviations] == [("State space models", "SSMs")]
    assert [s.start_char for s in doc._.abbreviation_mentions] == [20, 32]
    assert doc._.abbreviation_mentions[1]._.long_form.text == "State space models"


def test_gazetteer_respects_case(rules, tmp_path):
    doc = rules("Bits per byte on imagenet-1k and ImageNet-1K; the bard sang while Bard answered.")
    found = [(s.text, s._.gazetteer.type) for s in doc._.gazetteer_matches]
    assert found == [("Bits per byte", "Metric"), ("ImageNet-1K", "Dataset"), ("Bard", "Model")]
    assert case_compatible("MMLU", "MMLU") and not case_compatible("SAM", "sam")


def test_read_gazetteer_reports_bad_line(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text("name\ttype\taliases\nFoo\tThing\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        read_gazetteer(path)
    path.write_text("name\ttype\taliases\nFoo\tModel\tF|Fo\n", encoding="utf-8")
    assert read_gazetteer(path) == [GazetteerEntry("Foo", "Model", ("F", "Fo"))]


def _cands(doc):
    return {s.text: (s._.kg_type, s._.kg_role) for s in doc._.kg_candidates}


def test_candidates_types_and_roles(rules):
    doc = rules("We propose FooNet, a novel architecture. We fine-tune Llama-3 8B with supervised "
                "fine-tuning (SFT) and evaluate on HumanEval, MBPP and the Long Range Arena benchmark "
                "using pass@1 and top-1 accuracy for object detection on the CIFAR-10 dataset and MMLU.")
    c = _cands(doc)
    assert c["FooNet"] == ("Method", "proposed")
    assert c["Llama-3 8B"] == ("Model", "used")
    assert c["supervised fine-tuning"][0] == "Method"
    assert c["Long Range Arena"][0] == "Benchmark"
    assert c["MBPP"][0] == "Benchmark"
    assert c["pass@1"][0] == "Metric" and c["top-1 accuracy"][0] == "Metric"
    assert c["object detection"][0] == "Task"
    assert c["CIFAR-10"][0] == "Dataset"
    assert c["MMLU"][0] == "Benchmark"


def test_filters_drop_broad_classes(rules):
    doc = rules("Large language models (LLMs) and our method beat deep learning with 8B parameters.")
    texts = {s.text for s in doc._.kg_candidates}
    assert not texts & {"LLMs", "Large language models", "8B", "our method"}
    assert rejection_reason(doc[0:3]) == "broad or generic"


def test_filters_drop_programming_languages_and_compilers(rules):
    doc = rules("We compile C/C++ and Python programs with LLVM into LLVM IR for CodeLlama.")
    texts = {s.text for s in doc._.kg_candidates}
    assert not texts & {"C/C++", "Python", "LLVM", "LLVM IR"}
    assert "CodeLlama" in texts


def test_title_prefix_is_proposed(rules):
    doc = rules("S4D: Diagonal State Space Models Work")
    assert is_title_cased(doc)
    assert _cands(doc) == {"S4D": ("Method", "proposed")}


def test_small_helpers():
    assert norm_key("Llama-3.1 8B_x") == "llama318bx" and singular_key("ssms") == "ssm"
    assert model_family("gpt4o") == "gpt" and model_family("philosophy") is None
    assert is_name_shaped("HumanEval") and not is_name_shaped("Arena")
    assert resolve_overlaps({(0, 1): {"name"}, (0, 2): {"phrase"}}) == [((0, 1), {"name"})]
    assert span_confidence(("gazetteer",), "gazetteer") > span_confidence(("phrase",), "default")


def test_known_terms_widen_to_the_written_term(rules):
    doc = rules("We study multi-view style transfer. An implicit chain-of-thought model is probed. "
                "Pre-trained style transfer works. We use chain-of-thought prompting.")
    c = _cands(doc)
    assert c["multi-view style transfer"][0] == "Task"
    assert "implicit chain-of-thought" in c
    assert "style transfer" in c and "Pre-trained style transfer" not in c  # how it was made, not which
    assert "chain-of-thought prompting" in c


def test_gazetteer_matches_title_cased_compounds(rules):
    # the tokenizer keeps "Text-to-Image" whole but splits "text-to-image"
    doc = rules("Personalizing Text-to-Image Generation using Textual Inversion")
    assert [s.text for s in doc._.gazetteer_matches] == ["Text-to-Image Generation"]


_TEXT = ("We fine-tune Llama-3 8B (SFT) on ImageNet-1K!  Results: 95.1% top-1 accuracy. "
         "See e.g. Fig. 2 \u2026 and \u201cquotes\u201d? Yes.\nNew line here")


def test_token_features_match_token_attributes(blank):
    from kg.components.tokens import token_features

    doc = blank(_TEXT)
    f = token_features(doc)
    assert f.text == [t.text for t in doc] and f.lower == [t.lower_ for t in doc]
    assert f.ws == [bool(t.whitespace_) for t in doc] and f.punct == [t.is_punct for t in doc]
    assert f.stop == [t.is_stop for t in doc] and f.like_num == [t.like_num for t in doc]
    assert f.idx == [t.idx for t in doc] and f.sent_start == [bool(t.is_sent_start) for t in doc]
    assert [f.sent_bounds(t.i) for t in doc] == [(t.sent.start, t.sent.end) for t in doc]
    assert f.pos is None and f.doc_text == doc.text


def test_fast_sentences_equal_the_sentencizer(blank):
    nlp = configure_tokenizer(spacy.blank("en"))
    nlp.add_pipe("kg_sentences")
    for text in (_TEXT, "", "One.", "No final stop", "A. B! C? (D.) E"):
        assert [(s.start, s.end) for s in nlp(text).sents] == [(s.start, s.end) for s in blank(text).sents]


def test_words_before_tasks_name_tasks(rules):
    doc = rules("Experiments in classification and regression tasks, on a locomotion task, on "
                "two-dimensional binary classification tasks and on evaluation tasks.")
    c = _cands(doc)
    assert c["classification"][0] == "Task" and c["regression"][0] == "Task"
    assert c["locomotion"][0] == "Task" and c["binary classification"][0] == "Task"
    assert "evaluation" not in c and "dimensional binary classification" not in c


def test_training_terms_and_broad_class_phrases(rules):
    doc = rules("We use adversarial training and refusal training instead of neural network training.")
    c = _cands(doc)
    assert c["adversarial training"][0] == "Method" and c["refusal training"][0] == "Method"
    assert "neural network training" not in c


def test_names_keep_their_number(rules):
    doc = rules("We compare Llama 2 and GPT-4 on the CoRe 50 benchmark with Argoverse 2. "
                "In Approach 2 we train BERT 3 times.")
    c = _cands(doc)
    assert {"Llama 2", "CoRe 50", "Argoverse 2"} <= set(c)
    assert "Approach 2" not in c and "BERT 3" not in c


def test_untagged_phrases_skip_gerunds_adverbs_possessives_and_plurals(rules):
    doc = rules("Approaches reduce undesirable priming. We gain by integrating triplet embeddings "
                "with a fully connected neural network and the model's learning.")
    texts = {s.text for s in doc._.kg_candidates}
    assert "triplet embeddings" in texts and "connected neural network" in texts
    assert not {"Approaches reduce undesirable priming", "integrating triplet embeddings",
                "fully connected neural network", "model's learning"} & texts


def test_hyphenated_head_words(rules):
    c = _cands(rules("Applications such as virtual try-on and image super-resolution."))
    assert c["virtual try-on"][0] == "Task" and c["image super-resolution"][0] == "Task"


def test_family_names_are_methods(rules):
    c = _cands(rules("In this paper we compare recent Text-To-Image Diffusion Models with several "
                     "strong Vision Transformers trained on images and with GPT-4o."))
    assert c["Text-To-Image Diffusion Models"][0] == "Method" and c["Vision Transformers"][0] == "Method"
    assert c["GPT-4o"][0] == "Model"
