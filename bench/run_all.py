"""Run the benchmarks one after another (never two heavy jobs at once) and keep their output.

Usage::

    /work/venv/bin/python bench/run_all.py [--out bench/results] [--quick] [--only NAME ...]
        [--accurate-75k] [--skip NAME ...]

Steps (names for ``--only``/``--skip``):

``extract``       bench/bench_extract.py 400: abstracts/s of bare spaCy, accurate and fast profiles
``fast10k``       end-to-end build of 10K abstracts, fast profile, then +100 papers incrementally
``accurate10k``   the same in the accurate profile with 2 jobs (the 75K time is extrapolated from it)
``dask2k``        2K abstracts extracted on a local Dask cluster (2 worker processes)
``fast75k``       all 74,728 abstracts, fast profile, then +100 papers; exports kept for the next step
``queries``       bench/bench_queries.py on the 75K export (10K export with --quick)
``html``          bench/bench_html.py on the same export's tables
``accurate75k``   all abstracts in the accurate profile, 2 jobs (about 40+ min; only with --accurate-75k)

Every step is run under ``/usr/bin/time -v`` when it exists, so its peak RSS (the
"Maximum resident set size" of the parent process) is recorded next to the step's own
JSON lines in ``OUT/<step>.log``; a summary goes to ``OUT/summary.json``.
With ``--quick`` the corpus sizes shrink (1K instead of 10K, 3K instead of 75K) to
check that everything runs.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def steps(out: Path, quick: bool, accurate_75k: bool) -> list[tuple[str, list[str]]]:
    small, big = (1000, 3000) if quick else (10_000, 0)
    export = out / ("export-3k" if quick else "export-75k")
    build = [PY, "bench/bench_build.py", "--json", str(out / "builds.jsonl")]
    plan = [
        ("extract", [PY, "bench/bench_extract.py", "100" if quick else "400"]),
        ("fast10k", [*build, "--papers", str(small), "--profile", "fast", "--add", "100"]),
        ("accurate10k", [*build, "--papers", str(small // 5 if quick else small), "--profile", "accurate",
                         "--jobs", "2", "--add", "100", "--no-html"]),
        ("dask2k", [*build, "--papers", "300" if quick else "2000", "--profile", "fast", "--dask", "local",
                    "--no-html"]),
        ("fast75k", [*build, "--papers", str(big), "--profile", "fast", "--add", "100", "--out", str(export)]),
        ("queries", [PY, "bench/bench_queries.py", str(export), "-n", "3", "--json"]),
        ("html", [PY, "bench/bench_html.py", "--tables", str(export), "--out", str(out / "html")]),
    ]
    if accurate_75k:
        plan.append(("accurate75k", [*build, "--papers", "0", "--profile", "accurate", "--jobs", "2", "--no-html"]))
    return plan


def run_step(name: str, cmd: list[str], out: Path) -> dict:
    timer = ["/usr/bin/time", "-v"] if shutil.which("/usr/bin/time") else []
    log = out / f"{name}.log"
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as fh:
        fh.write("$ " + " ".join(cmd) + "\n")
        fh.flush()
        rc = subprocess.call([*timer, *cmd], cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
    text = log.read_text(encoding="utf-8", errors="replace")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    result = {"step": name, "rc": rc, "wall_s": round(time.perf_counter() - started, 1),
              "peak_rss_mb": round(int(peak.group(1)) / 1024, 1) if peak else None, "log": str(log)}
    print(json.dumps(result), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the scripts")
    parser.add_argument("--accurate-75k", action="store_true", help="also build all abstracts in the accurate profile")
    parser.add_argument("--only", action="append", default=[], metavar="NAME")
    parser.add_argument("--skip", action="append", default=[], metavar="NAME")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    summary = []
    for name, cmd in steps(args.out.resolve(), args.quick, args.accurate_75k):
        if (args.only and name not in args.only) or name in args.skip:
            continue
        summary.append(run_step(name, cmd, args.out))
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 0 if all(r["rc"] == 0 for r in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
