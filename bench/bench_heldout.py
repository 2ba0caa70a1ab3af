"""Held-out check of extraction on annotated sets we do not tune on (a proxy, not our gold).

Usage: python bench/bench_heldout.py [accurate|fast] [N]  (N records per set, default 300)

Scores ``kg extract`` output with ``kg.evaluate`` on SciERC dev (Method, Task, Metric) and the
first N TDMSci sentences (Task, Dataset, Metric), counting only the types each set annotates.
Their conventions differ from GUIDELINE.md (SciERC marks generic terms such as "approach"
and "it"; TDMSci marks "accuracy" inside "classification accuracy"), so the absolute scores
are low: compare versions of the extractor with them, to see that a change made for the dev
gold also helps text it was not made on.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kg.evaluate import evaluate
from kg.extraction import Extractor, to_contract
from kg.model import Paper

TRAIN = Path(__file__).resolve().parents[2] / "shared" / "train"
SETS = (("SciERC dev", "scierc_dev.json", {"Method", "Task", "Metric"}),
        ("TDMSci", "tdmsci_train.json", {"Task", "Dataset", "Metric"}))
#: A set's type also admits the other member of its GUIDELINE group.
_GROUP_MATES = {"Method": "Model", "Dataset": "Benchmark"}


def score(profile: str, path: Path, types: set[str], n: int) -> dict:
    """Return the :func:`kg.evaluate.evaluate` report of ``profile`` on one annotated set."""
    records = json.loads(path.read_text(encoding="utf-8"))[:n]
    papers = [Paper(key=str(i), title="", abstract=r["text"]) for i, r in enumerate(records)]
    allowed = types | {_GROUP_MATES[t] for t in types if t in _GROUP_MATES}
    predicted, gold = [], []
    for x, rec in zip(Extractor(profile).extract(papers), records):
        c = to_contract(x)
        c["entities"] = [e for e in c["entities"] if e["type"] in allowed]
        predicted.append(c)
        ents = {e["text"].lower(): {"name": e["text"], "aliases": [], "type": e["type"], "role": "used"}
                for e in rec["entities"] if e["type"] in types}
        gold.append({"id": c["id"], "entities": list(ents.values())})
    return evaluate(gold, predicted)


def main(profile: str = "accurate", n: int = 300) -> None:
    for name, file, types in SETS:
        rep = score(profile, TRAIN / file, types, n)
        g = rep["grouped"]
        groups = " ".join(f"{k} {v['f1']:.3f}" for k, v in rep["per_group"].items() if v["gold"])
        print(f"{name:10s} {profile:8s} grouped P {g['precision']:.3f} R {g['recall']:.3f} "
              f"F1 {g['f1']:.3f} | {groups}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "accurate", int(sys.argv[2]) if len(sys.argv) > 2 else 300)
