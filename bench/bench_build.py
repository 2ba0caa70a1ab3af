"""Benchmark an end-to-end build: read → extract → link → graph → exports, with peak memory.

Usage::

    /work/venv/bin/python bench/bench_build.py --papers 10000 --profile fast [--jobs 2]
        [--cache DIR] [--dask local|tcp://HOST:8786] [--add 100] [--no-html] [--all-formats] [--lean-exports] [--out DIR]
        [--json RESULT.json]

Takes the first ``--papers`` abstracts of ``../shared/corpus`` (0 = all 74,728),
builds the graph with :func:`kg.pipeline.build` and writes each export separately,
timing every stage. Peak RSS is ``getrusage`` of this process (what
``/usr/bin/time -v`` reports as "Maximum resident set size") and, separately, of the
largest extraction worker process.

``--add N`` measures an incremental build: the first ``--papers`` abstracts are built
with a cache (timed as the cold build), then the build is repeated with the next ``N``
abstracts added (only those are extracted; timed as the incremental build).
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv_cs_2025_2026.jsonl.gz"


def peak_rss_mb() -> tuple[float, float]:
    """Peak RSS in MB of this process and of its largest finished child (Linux: ru_maxrss is KB)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(me, 1), round(children, 1)


class RssSampler:
    """Samples this process's RSS every 0.2 s, to attribute the peak to a build stage."""

    def __init__(self) -> None:
        import threading

        import psutil

        self.proc = psutil.Process()
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.perf_counter(), self.proc.memory_info().rss / 2**20))
            self.stop.wait(0.2)

    def peaks(self, start: float, stages: dict[str, float]) -> dict[str, float]:
        """Peak RSS (MB) within each stage, given the stage durations in order from ``start``."""
        out, t = {}, start
        for stage, seconds in stages.items():
            inside = [rss for when, rss in self.samples if t <= when <= t + seconds]
            out[stage] = round(max(inside), 1) if inside else None
            t += seconds
        return out

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def write_sample(n: int, path: Path, skip: int = 0) -> int:
    """Copy abstracts ``skip .. skip+n`` of the corpus (all when ``n`` is 0) to a JSONL file."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as src, path.open("w", encoding="utf-8") as dst:
        lines = islice(src, skip, skip + n if n else None)
        count = 0
        for line in lines:
            dst.write(line)
            count += 1
    return count


def lean_ntriples(graph, path: Path) -> Path:
    """Canonical N-Triples with bounded memory: Oxigraph streams the dump to a file, ``sort`` orders it.

    A prototype for :func:`kg.graph.canonical_ntriples` at 75K+ papers: the same bytes
    (``LC_ALL=C sort -u`` orders lines bytewise like Python's ``sorted(set(lines))``), but
    nothing is held in Python, so peak RSS stays that of the store.
    """
    import os
    import subprocess

    import pyoxigraph as ox

    raw = path.with_suffix(".unsorted.nt")
    graph.store.dump(output=str(raw), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(["sort", "-u", "-S", "512M", "-T", str(path.parent), "-o", str(path), str(raw)], check=True, env=env)
    raw.unlink()
    return path


def timed_exports(graph, out: Path, html: bool, all_formats: bool = False, lean: bool = False) -> dict[str, float]:
    """Write each export of :func:`kg.export.write_exports` separately and time it.

    Turtle, the CSV tables and HTML (what ``kg build`` writes by default); N-Triples, JSON-LD
    and GraphML too with ``all_formats``; with ``lean`` only :func:`lean_ntriples`.
    """
    from kg.export import write_exports

    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    if lean:
        run_lean = time.perf_counter()
        lean_ntriples(graph, out / "graph.nt")
        seconds["ntriples_lean"] = round(time.perf_counter() - run_lean, 2)
        seconds["ntriples_lean_peak_rss_mb"] = peak_rss_mb()[0]
        return seconds

    def run(name, formats):
        t = time.perf_counter()
        try:
            write_exports(graph, out, formats=formats)  # exactly what `kg build` writes, one format at a time
        except Exception as exc:  # noqa: BLE001  (a broken export is reported, the others still run)
            seconds[name] = f"error: {type(exc).__name__}: {exc}"[:200]
            return
        seconds[name] = round(time.perf_counter() - t, 2)
        seconds[name + "_peak_rss_mb"] = peak_rss_mb()[0]

    run("turtle", ["ttl"])
    if all_formats:
        run("ntriples", ["nt"])
        run("jsonld", ["jsonld"])
        run("graphml", ["graphml"])
    run("csv", ["csv"])
    if html:
        run("html", ["html"])
    return seconds


def build_once(inputs: list[Path], args, out: Path, cache: Path | None, label: str) -> dict:
    from kg.pipeline import build

    sampler = RssSampler()
    started = time.perf_counter()
    graph = build([str(p) for p in inputs], profile=args.profile, jobs=args.jobs, cache_dir=cache, dask=args.dask,
                  batch_size=args.batch_size)  # incremental store in the cache above 20K papers, as `kg build`
    build_s = time.perf_counter() - started
    report = graph.report
    stage_peaks = sampler.peaks(started, report.seconds)
    sampler.close()
    print(json.dumps({"run": label, "built_s": round(build_s, 1), "stages_s": report.seconds,
                      "stage_peak_rss_mb": stage_peaks, "triples": report.triples,
                      "peak_rss_mb": peak_rss_mb()[0]}), flush=True)
    exports = timed_exports(graph, out, html=not args.no_html, all_formats=args.all_formats,
                            lean=args.lean_exports)
    total = time.perf_counter() - started
    result = {
        "run": label,
        "papers": report.papers,
        "profile": args.profile,
        "jobs": args.jobs,
        "dask": args.dask,
        "extracted": report.extracted,
        "cached": report.cached,
        "stages_s": report.seconds,
        "stage_peak_rss_mb": stage_peaks,
        "build_s": round(build_s, 1),
        "exports_s": exports,
        "total_s": round(total, 1),
        "papers_per_s_build": round(report.papers / build_s, 1),
        "entities": sum(report.entity_types.values()),
        "links": report.links,
        "mentions": report.mentions,
        "triples": report.triples,
        "store_update": report.store_update,
        "peak_rss_mb": peak_rss_mb()[0],
        "peak_rss_child_mb": peak_rss_mb()[1],
    }
    print(json.dumps(result), flush=True)
    return result


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=10_000, help="abstracts from the corpus (0: all)")
    parser.add_argument("--profile", default="fast", choices=["accurate", "fast"])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--dask", default=None, help="local or a scheduler address")
    parser.add_argument("--cache", type=Path, default=None, help="cache directory (default: none, or a temp one with --add)")
    parser.add_argument("--add", type=int, default=0, help="then rebuild with this many more abstracts")
    parser.add_argument("--no-html", action="store_true")
    parser.add_argument("--all-formats", action="store_true", help="also time JSON-LD and GraphML")
    parser.add_argument("--lean-exports", action="store_true",
                        help="only N-Triples via an external sort (bounded memory; for 75K+ papers)")
    parser.add_argument("--out", type=Path, default=None, help="export folder (default: a temp folder)")
    parser.add_argument("--json", type=Path, default=None, help="append results as JSON lines here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        tmpdir = Path(tmp)
        out = args.out or tmpdir / "out"
        sample = tmpdir / "sample.jsonl"
        papers = args.papers
        if args.add and not papers:  # "all" + N: build all but the last N, then add those
            with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
                papers = sum(1 for _ in fh) - args.add
        n = write_sample(papers, sample)
        cache = args.cache or (tmpdir / "cache" if args.add else None)
        results = [build_once([sample], args, out, cache, f"build {n}")]
        if args.add:
            extra = tmpdir / "added.jsonl"
            write_sample(args.add, extra, skip=n)
            results.append(build_once([sample, extra], args, out, cache, f"add {args.add} to {n}"))
    if args.json:
        with args.json.open("a", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(r) + "\n")
    return results


if __name__ == "__main__":
    main()
