"""Tests of the GUIDELINE scorer."""

from __future__ import annotations

import pytest

from kg.evaluate import evaluate, format_report, match_entities


def E(name, type_, role="used", aliases=(), confidence=0.5):
    return {"name": name, "type": type_, "role": role, "aliases": list(aliases), "confidence": confidence}


GOLD = [{"id": "a", "entities": [E("Direct Preference Optimization", "Method", aliases=["DPO"]),
                                 E("HumanEval", "Benchmark"), E("Llama-2", "Model", "proposed")]},
        {"id": "b", "entities": [E("ImageNet", "Dataset")]}]


def test_matching_rule_normalises_names():
    pairs = match_entities([E("Llama-2 7B", "Model")], [E("llama 2_7b", "Model")], "strict")
    assert pairs == [(0, 0)]
    assert match_entities([E("a", "Model")], [E("b", "Model", aliases=["A"])], "untyped") == [(0, 0)]


def test_one_to_one_matching():
    gold = [E("DPO", "Method"), E("Direct Preference Optimization", "Method", aliases=["DPO"])]
    pred = [E("DPO", "Method")]
    assert len(match_entities(gold, pred, "strict")) == 1


def test_modes_and_scores():
    pred = [{"id": "a", "entities": [E("DPO", "Model", confidence=0.9), E("HumanEval", "Dataset", confidence=0.85),
                                     E("Llama-2", "Model", "used", confidence=0.7), E("MBPP", "Benchmark", confidence=0.3)]},
            {"id": "zzz", "entities": [E("X", "Method")]}]
    rep = evaluate(GOLD, pred)
    assert rep["strict"]["tp"] == 1 and rep["grouped"]["tp"] == 3 and rep["untyped"]["tp"] == 3
    assert rep["grouped"]["precision"] == 0.75 and rep["grouped"]["recall"] == 0.75
    assert rep["untyped"]["f1"] == 0.75
    assert rep["per_type"]["Model"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "tp": 1, "predicted": 2, "gold": 1}
    assert rep["per_group"]["Dataset+Benchmark"]["tp"] == 1
    assert rep["role_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert rep["confidence_at_least_0.8"] == {"predicted": 2, "correct": 2, "precision": 1.0}
    band = {(b["low"], b["high"]): b for b in rep["confidence_bands"]}
    assert band[(0.0, 0.5)]["predicted"] == 1 and band[(0.0, 0.5)]["precision"] == 0.0
    assert rep["unscored_predicted_papers"] == 1
    kinds = {(e["kind"], e["name"]) for e in rep["errors"]}
    assert ("spurious", "MBPP") in kinds and ("missed", "ImageNet") in kinds and ("wrong role", "Llama-2") in kinds
    text = format_report(rep)
    assert "grouped" in text and "Dataset+Benchmark" in text and ">= 0.8" in text


def test_bad_input_names_record():
    with pytest.raises(ValueError, match="record 1"):
        evaluate(GOLD, [{"id": "a", "entities": [{"name": "x", "type": "Thing"}]}])
    with pytest.raises(ValueError, match="list"):
        evaluate({"id": "a"}, [])
