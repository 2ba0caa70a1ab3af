"""Interrupted builds: SIGINT and SIGKILL at several moments leave the previous exports intact.

``python -m kg build`` runs as a subprocess. Its input is a named pipe, so the test knows
when the command itself has started (past the imports): the pipe opens only then. After
a kill, every export file is either byte-identical to the previous build's or to what the
new build writes when left alone; never half a file. Temp files a SIGKILL leaves behind
are removed by the next build, and a rerun completes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX named pipes and signals")

N_PAPERS = 400  # enough that a signal 1 s in lands before the export, even on a quiet machine
ABSTRACT = ("We propose {name}, a transformer model trained with contrastive learning on ImageNet. We evaluate "
            "{name} on CIFAR-10 and COCO and compare it with ResNet-50 and ViT-B/16, reporting top-1 accuracy and "
            "mean average precision. {name} uses Adam and dropout, and improves over BERT baselines on GLUE.")


def papers(version: str) -> str:
    rows = []
    for i in range(1, N_PAPERS + 1):
        name = f"{version}Net-{i}"
        rows.append({"id": f"2402.{i:05d}", "title": f"{name}: {version} study number {i}",
                     "abstract": ABSTRACT.format(name=name)})
    return "".join(json.dumps(r) + "\n" for r in rows)


def run_build(inputs: Path, out: Path, *, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", "build", str(inputs), "-o", str(out), "--profile", "fast"],
                          capture_output=True, text=True, timeout=timeout)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The previous export (input A) and what an undisturbed build of input B writes."""
    root = tmp_path_factory.mktemp("interrupt")
    (root / "a.jsonl").write_text(papers("Old"))
    (root / "b.jsonl").write_text(papers("New"))
    for name in ("a", "b"):
        done = run_build(root / f"{name}.jsonl", root / f"out_{name}")
        assert done.returncode == 0, done.stderr
    before, after = snapshot(root / "out_a"), snapshot(root / "out_b")
    assert set(before) == set(after) and all(before[k] != after[k] for k in ("graph.ttl", "papers.csv"))
    return root, before, after


def interrupted_build(root: Path, out: Path, sig: int, moment: str) -> subprocess.CompletedProcess:
    """Build input B over ``out`` (a copy of the old export) and send ``sig`` at ``moment``."""
    fifo = root / f"pipe_{int(sig)}_{moment}" / "b.jsonl"  # the same name: sources name the file
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    proc = subprocess.Popen([sys.executable, "-m", "kg", "build", str(fifo), "-o", str(out), "--profile", "fast"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    opened = threading.Event()

    def feed() -> None:
        with open(fifo, "w") as pipe:  # blocks until the command opens its input
            opened.set()
            pipe.write((root / "b.jsonl").read_text())

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    assert opened.wait(120), "the build never opened its input"
    if moment == "reading":
        time.sleep(0.05)
    elif moment == "extracting":
        time.sleep(1.0)
    elif moment == "exporting":
        # Kill right after the first export file is replaced: in the middle of the export.
        old = {p: p.stat().st_mtime_ns for p in out.iterdir()}
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            if any(p.stat().st_mtime_ns != t for p, t in old.items() if p.exists()):
                break
            time.sleep(0.002)
    if proc.poll() is None:
        proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    feeder.join(5)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


MOMENTS = ["reading", "extracting", "exporting"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_interrupted_build_leaves_old_or_new_files_and_a_rerun_completes(builds, tmp_path, sig, moment):
    root, before, after = builds
    out = tmp_path / "out"
    shutil.copytree(root / "out_a", out)
    result = interrupted_build(root, out, sig, moment)
    if result.returncode != 0:  # it may have finished before the signal came
        if sig == signal.SIGINT:
            assert result.returncode == 130, result.stderr
            assert "Traceback" not in result.stderr
            assert result.stderr.strip().splitlines()[-1].startswith("kg: interrupted")
        else:
            assert result.returncode == -signal.SIGKILL
    files = snapshot(out)
    assert set(files) == set(before), "no temp file may show up as an export"
    for name, data in files.items():
        assert data in (before[name], after[name]), f"{name} is neither the old nor the new export"
    if moment != "exporting":
        assert files == before or result.returncode == 0
    # The extraction cache folder is meant to stay; temp files of exports are not.
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".kg-cache"]
    if sig == signal.SIGINT:
        assert hidden == [], "a clean interrupt removes its temp files"
    # A rerun completes, writes the new export and removes temp files a killed build left.
    rerun = run_build(root / "b.jsonl", out)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(out) == after
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


def test_stale_temp_files_of_dead_writers_are_removed_and_live_ones_kept(tmp_path):
    from kg.atomic import write_atomic

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".graph.ttl.{dead_pid}.x1.tmp"
    live = tmp_path / f".graph.ttl.{os.getppid()}.x2.tmp"  # the parent (pytest's launcher) still runs
    other = tmp_path / f".papers.csv.{dead_pid}.x3.tmp"
    for p in (stale, live, other):
        p.write_text("half a file")
    write_atomic(tmp_path / "graph.ttl", "done")
    assert (tmp_path / "graph.ttl").read_text() == "done"
    assert not stale.exists() and live.exists() and other.exists()  # only temps of the file being written
