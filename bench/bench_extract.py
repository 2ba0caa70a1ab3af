"""Extraction speed against the bare spaCy pipeline on the same abstracts, in one run.

Usage: python bench/bench_extract.py [N] [REPEAT]  (N abstracts from ../shared/corpus, default 400;
each fast measurement is the best of REPEAT runs, default 3, since other jobs share the machine)

Prints abstracts/s for: the bare ``en_core_web_sm`` pipeline (all pipes, BLIS matmul),
the same with numpy matmul, the ``accurate`` profile (our components on top), the
``fast`` profile, and our tokenizer alone (the floor of the fast profile), plus ratios.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from itertools import islice
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def load_abstracts(n: int) -> list[tuple[str, str]]:
    path = next(iter(sorted(CORPUS.glob("*.jsonl.gz"))))
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = (json.loads(line) for line in fh)
        return [(r.get("title", ""), r.get("abstract", "")) for r in islice(rows, n)]


def rate(fn, n: int, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def main(n: int = 400, repeat: int = 3) -> None:
    import spacy
    from thinc.api import NumpyOps, set_current_ops

    from kg.extraction import Extractor
    from kg.model import Paper
    from kg.nlp import MODEL_NAMES, use_numpy_matmul

    pairs = load_abstracts(n)
    texts = [a for _, a in pairs]
    papers = [Paper(key=str(i), title=t, abstract=a) for i, (t, a) in enumerate(pairs)]
    name = next(m for m in MODEL_NAMES if spacy.util.is_package(m)) if any(
        spacy.util.is_package(m) for m in MODEL_NAMES) else MODEL_NAMES[-1]

    set_current_ops(NumpyOps())
    bare = spacy.load(name)
    list(bare.pipe(texts[:20]))
    r_bare = rate(lambda: list(bare.pipe(texts + [t for t, _ in pairs])), n)
    use_numpy_matmul()
    bare_np = spacy.load(name)
    list(bare_np.pipe(texts[:20]))
    r_bare_np = rate(lambda: list(bare_np.pipe(texts + [t for t, _ in pairs])), n)
    acc = Extractor("accurate")
    list(acc.extract(papers[:20]))
    r_acc = rate(lambda: list(acc.extract(papers)), n)
    fast = Extractor("fast")
    list(fast.extract(papers[:20]))
    r_fast = rate(lambda: list(fast.extract(papers)), n, repeat)
    all_texts = [t for t, _ in pairs] + texts
    r_tok = rate(lambda: [fast.nlp.make_doc(t) for t in all_texts], n, repeat)
    print(f"abstracts (title + abstract each): {n}")
    print(f"bare {name}, BLIS matmul:   {r_bare:8.1f} /s")
    print(f"bare {name}, numpy matmul:  {r_bare_np:8.1f} /s")
    print(f"kg accurate profile:        {r_acc:8.1f} /s   ({r_acc / r_bare:.2f} x bare BLIS, "
          f"{r_acc / r_bare_np:.2f} x bare numpy)")
    print(f"kg fast profile:            {r_fast:8.1f} /s   (best of {repeat})")
    print(f"our tokenizer alone:        {r_tok:8.1f} /s   (fast profile = {r_fast / r_tok:.2f} x tokenizer)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
