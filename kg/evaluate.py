"""Scoring extraction output against gold annotations (GUIDELINE.md "Scoring").

A predicted entity matches a gold one when any of their names or aliases are equal
after lower-casing and removing spaces, hyphens, dots and underscores. Within a
paper each entity matches at most one other (a maximum bipartite matching). Scores
are precision, recall and F1 of (paper, entity) pairs in three modes: ``strict``
(types equal), ``grouped`` (Method+Model one group, Dataset+Benchmark another) and
``untyped``. Role accuracy is measured on untyped matches; confidence bands report
the precision (grouped) of predicted entities by confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kg.components.lexicon import norm_key
from kg.model import ENTITY_TYPES

MODES: tuple[str, ...] = ("strict", "grouped", "untyped")
GROUPS: dict[str, str] = {"Method": "Method+Model", "Model": "Method+Model",
                          "Dataset": "Dataset+Benchmark", "Benchmark": "Dataset+Benchmark",
                          "Task": "Task", "Metric": "Metric"}
#: Confidence bands, as [low, high) except the last, which includes 1.0.
BANDS: tuple[tuple[float, float], ...] = ((0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0))


def _keys(entity: dict) -> set[str]:
    names = [entity.get("name", "")] + list(entity.get("aliases") or [])
    return {norm_key(n) for n in names if isinstance(n, str) and norm_key(n)}


def _compatible(mode: str) -> Callable[[dict, dict], bool]:
    if mode == "strict":
        return lambda g, p: g["type"] == p["type"]
    if mode == "grouped":
        return lambda g, p: GROUPS.get(g["type"]) == GROUPS.get(p["type"])
    return lambda g, p: True


def match_entities(gold: Sequence[dict], pred: Sequence[dict], mode: str) -> list[tuple[int, int]]:
    """Return ``(gold index, predicted index)`` pairs of a maximum matching under ``mode``."""
    same_type = _compatible(mode)
    gkeys = [_keys(g) for g in gold]
    pkeys = [_keys(p) for p in pred]
    edges = [[j for j, p in enumerate(pred) if gkeys[i] & pkeys[j] and same_type(g, p)]
             for i, g in enumerate(gold)]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(gold)):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "predicted": n_pred, "gold": n_gold}


def _validate(records: object, what: str) -> dict[str, list[dict]]:
    if not isinstance(records, list):
        raise ValueError(f"{what}: expected a JSON list of paper objects")
    out: dict[str, list[dict]] = {}
    for n, rec in enumerate(records, start=1):
        if not isinstance(rec, dict) or "id" not in rec:
            raise ValueError(f"{what}: record {n}: expected an object with an 'id'")
        ents = rec.get("entities", [])
        if not isinstance(ents, list):
            raise ValueError(f"{what}: record {n} ({rec['id']}): 'entities' is not a list")
        for k, e in enumerate(ents, start=1):
            if not isinstance(e, dict) or not isinstance(e.get("name"), str) or e.get("type") not in ENTITY_TYPES:
                raise ValueError(f"{what}: record {n} ({rec['id']}): entity {k}: needs a 'name' and a 'type' "
                                 f"in {', '.join(ENTITY_TYPES)}")
        out.setdefault(str(rec["id"]), []).extend(ents)
    return out


def evaluate(gold: list[dict], predicted: list[dict]) -> dict:
    """Score ``predicted`` against ``gold`` (both lists of ``{"id", "entities"}``).

    Only papers in ``gold`` are scored; a gold paper missing from ``predicted`` counts
    as predicting nothing. Raises ``ValueError`` naming the record on malformed input.
    """
    gold_by_id = _validate(gold, "gold")
    pred_by_id = _validate(predicted, "predicted")
    counts = {m: [0, 0, 0] for m in MODES}
    per_type = {t: [0, 0, 0] for t in ENTITY_TYPES}
    per_group = {g: [0, 0, 0] for g in dict.fromkeys(GROUPS.values())}
    role_total = role_correct = 0
    band_counts = [[0, 0] for _ in BANDS]
    high = [0, 0]
    errors: list[dict] = []
    for pid, gents in gold_by_id.items():
        pents = pred_by_id.get(pid, [])
        for mode in MODES:
            pairs = match_entities(gents, pents, mode)
            counts[mode][0] += len(pairs)
            counts[mode][1] += len(pents)
            counts[mode][2] += len(gents)
            if mode == "strict":
                for t in ENTITY_TYPES:
                    per_type[t][0] += sum(1 for i, _ in pairs if gents[i]["type"] == t)
                    per_type[t][1] += sum(1 for p in pents if p["type"] == t)
                    per_type[t][2] += sum(1 for g in gents if g["type"] == t)
            elif mode == "grouped":
                for grp in per_group:
                    per_group[grp][0] += sum(1 for i, _ in pairs if GROUPS[gents[i]["type"]] == grp)
                    per_group[grp][1] += sum(1 for p in pents if GROUPS[p["type"]] == grp)
                    per_group[grp][2] += sum(1 for g in gents if GROUPS[g["type"]] == grp)
                matched_pred = {j for _, j in pairs}
                for j, p in enumerate(pents):
                    conf = float(p.get("confidence", 0.5))
                    ok = j in matched_pred
                    for b, (lo, hi) in enumerate(BANDS):
                        if lo <= conf < hi or (hi == 1.0 and conf == 1.0):
                            band_counts[b][0] += 1
                            band_counts[b][1] += ok
                    if conf >= 0.8:
                        high[0] += 1
                        high[1] += ok
                untyped = {i: j for i, j in match_entities(gents, pents, "untyped")}
                for j, p in enumerate(pents):
                    if j not in matched_pred:
                        kind = "wrong group" if j in untyped.values() else "spurious"
                        errors.append({"id": pid, "kind": kind, "name": p["name"], "type": p["type"],
                                       "confidence": p.get("confidence")})
                matched_gold = {i for i, _ in pairs}
                for i, g in enumerate(gents):
                    if i not in matched_gold and i not in untyped:
                        errors.append({"id": pid, "kind": "missed", "name": g["name"], "type": g["type"]})
            else:  # untyped
                for i, j in pairs:
                    role_total += 1
                    role_correct += gents[i].get("role", "used") == pents[j].get("role", "used")
                    if gents[i].get("role", "used") != pents[j].get("role", "used"):
                        errors.append({"id": pid, "kind": "wrong role", "name": pents[j]["name"],
                                       "gold_role": gents[i].get("role"), "role": pents[j].get("role")})
    return {
        "papers": len(gold_by_id),
        "unscored_predicted_papers": len(set(pred_by_id) - set(gold_by_id)),
        **{m: _prf(*counts[m]) for m in MODES},
        "per_type": {t: _prf(*per_type[t]) for t in ENTITY_TYPES},
        "per_group": {g: _prf(*v) for g, v in per_group.items()},
        "role_accuracy": round(role_correct / role_total, 4) if role_total else 0.0,
        "role_matched": role_total,
        "confidence_bands": [
            {"low": lo, "high": hi, "predicted": n, "correct": c, "precision": round(c / n, 4) if n else None}
            for (lo, hi), (n, c) in zip(BANDS, band_counts)
        ],
        "confidence_at_least_0.8": {"predicted": high[0], "correct": high[1],
                                    "precision": round(high[1] / high[0], 4) if high[0] else None},
        "errors": errors,
    }


def format_report(report: dict) -> str:
    """Return a plain-text table of an :func:`evaluate` report."""
    lines = [f"papers scored: {report['papers']}", "",
             f"{'':22}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'pred':>6}{'gold':>6}"]

    def row(label: str, s: dict) -> str:
        return (f"{label:22}{s['precision']:7.3f}{s['recall']:7.3f}{s['f1']:7.3f}"
                f"{s['tp']:6d}{s['predicted']:6d}{s['gold']:6d}")

    for mode in MODES:
        lines.append(row(mode, report[mode]))
    lines.append("")
    lines.append("per type (strict)")
    for t, s in report["per_type"].items():
        lines.append(row("  " + t, s))
    lines.append("per group (grouped)")
    for g, s in report["per_group"].items():
        lines.append(row("  " + g, s))
    lines.append("")
    lines.append(f"role accuracy (untyped matches): {report['role_accuracy']:.3f} of {report['role_matched']}")
    lines.append("")
    lines.append("precision by confidence (grouped)")
    for b in report["confidence_bands"]:
        prec = "-" if b["precision"] is None else f"{b['precision']:.3f}"
        lines.append(f"  [{b['low']:.1f}, {b['high']:.1f}{']' if b['high'] == 1.0 else ')'}"
                     f"{b['predicted']:7d} predicted  precision {prec}")
    hi = report["confidence_at_least_0.8"]
    prec = "-" if hi["precision"] is None else f"{hi['precision']:.3f}"
    lines.append(f"  >= 0.8     {hi['predicted']:7d} predicted  precision {prec}")
    return "\n".join(lines)
