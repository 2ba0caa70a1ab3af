"""Incremental builds: the store kept in the cache folder is updated in place, to the same triples as a fresh build."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from kg import pipeline
from kg.cli import main
from kg import incremental
from kg.incremental import UNITS_FILE


@pytest.fixture(autouse=True)
def update_in_place_whatever_the_change(monkeypatch):
    """The seeds are small: adding a page changes most units. These tests check the in-place
    update itself, so it is used whatever the share of change (see the refill test)."""
    monkeypatch.setattr(incremental, "REFILL_SHARE", float("inf"))


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


def _fresh(paths: list[Path]) -> bytes:
    return pipeline.build(paths, profile="fast").canonical_ntriples()


def _incremental(paths: list[Path], cache: Path):
    return pipeline.build(paths, profile="fast", cache_dir=cache, incremental=True)


def _assert_refilled_to_the_fresh_build(paths: list[Path], cache: Path) -> None:
    again = _incremental(paths, cache)
    assert again.report.store_update["full"] == 1
    assert again.canonical_ntriples() == _fresh(paths)


@pytest.fixture(scope="module")
def pages(seeds: Path) -> list[Path]:
    found = sorted(seeds.glob("*.txt"))
    assert len(found) == 5
    return found


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_adding_papers_updates_the_store_to_the_fresh_build(pages, tmp_path):
    cache = tmp_path / "cache"
    first = _incremental(pages[:4], cache)
    assert first.report.store_update["full"] == 1
    assert first.canonical_ntriples() == _fresh(pages[:4])
    del first
    second = _incremental(pages, cache)
    update = second.report.store_update
    assert update["full"] == 0
    assert 0 < update["deleted_units"] < update["inserted_units"]
    assert second.canonical_ntriples() == _fresh(pages)
    assert len(second) == second.report.triples


def test_adding_much_more_than_there_was_refills_the_store(pages, tmp_path, monkeypatch):
    monkeypatch.setattr(incremental, "REFILL_SHARE", 0.3)
    cache = tmp_path / "cache"
    _incremental(pages[:1], cache)
    graph = _incremental(pages, cache)
    assert graph.report.store_update["full"] == 1
    assert graph.canonical_ntriples() == _fresh(pages)


def test_one_more_paper_rewrites_only_its_own_units_and_its_entities(pages, tmp_path):
    cache = tmp_path / "cache"
    _incremental(pages[:3], cache)
    one = _jsonl(tmp_path / "one.jsonl", [{"id": "2401.00001", "title": "GPT-4 on GSM8K",
                                           "abstract": "We evaluate GPT-4 and Llama 2 on GSM8K and MMLU."}])
    graph = _incremental([*pages[:3], one], cache)
    update = graph.report.store_update
    # the paper, its links and the entities whose paper counts changed (a few more if a label vote flips)
    assert update["full"] == 0 and 3 <= update["inserted_units"] <= 30 and update["deleted_units"] <= 20
    assert graph.canonical_ntriples() == _fresh([*pages[:3], one])


def test_merges_that_change_with_new_papers_rewrite_the_old_links(tmp_path):
    """A new paper defines an acronym: old papers' bare uses now join its node, under a new key."""
    cache = tmp_path / "cache"
    old = _jsonl(tmp_path / "old.jsonl", [
        {"id": "2401.00001", "title": "Tuning with XYZO", "abstract": "We apply XYZO to GSM8K and report accuracy."},
        {"id": "2401.00002", "title": "XYZO at scale", "abstract": "XYZO is evaluated on MMLU."},
    ])
    new = _jsonl(tmp_path / "new.jsonl", [
        {"id": "2401.00003", "title": "Extreme yield zero-order optimisation",
         "abstract": "We propose extreme yield zero-order optimization (XYZO), evaluated on GSM8K."},
    ])
    first = _incremental([old], cache)
    keys_before = set(first.entities["key"])
    del first
    second = _incremental([old, new], cache)
    assert second.report.store_update["full"] == 0
    assert second.canonical_ntriples() == _fresh([old, new])
    assert set(second.entities["key"]) != keys_before


def test_removed_and_changed_papers_leave_no_trace(pages, tmp_path):
    cache = tmp_path / "cache"
    edited = _jsonl(tmp_path / "e.jsonl", [{"id": "2401.00001", "title": "BERT on SQuAD",
                                            "abstract": "We fine-tune BERT on SQuAD."}])
    _incremental([*pages, edited], cache)
    _jsonl(edited, [{"id": "2401.00001", "title": "RoBERTa on SQuAD", "abstract": "We fine-tune RoBERTa on SQuAD."}])
    changed = _incremental([*pages[1:], edited], cache)  # one page fewer, one paper edited
    assert changed.report.store_update["full"] == 0 and changed.report.store_update["deleted_units"] > 100
    assert changed.canonical_ntriples() == _fresh([*pages[1:], edited])
    del changed  # closes its store
    mostly_gone = _incremental([pages[0], edited], cache)
    assert mostly_gone.report.store_update["full"] == 0, mostly_gone.report.store_update
    assert mostly_gone.canonical_ntriples() == _fresh([pages[0], edited])


def test_an_interrupted_update_is_followed_by_a_full_refill(pages, tmp_path):
    cache = tmp_path / "cache"
    _incremental(pages[:2], cache)
    (cache / UNITS_FILE).unlink()  # what a build killed during the update leaves
    again = _incremental(pages[:3], cache)
    assert again.report.store_update["full"] == 1
    assert again.canonical_ntriples() == _fresh(pages[:3])


@pytest.mark.parametrize("damage", [b"", b"not zlib", zlib.compress(b"{}"), zlib.compress(b"[1]"),
                                    zlib.compress(b'{"format": 1, "triples": 5, "units": [["paper"]]}')])
def test_damaged_fingerprints_mean_a_full_refill(pages, tmp_path, damage):
    cache = tmp_path / "cache"
    _incremental(pages[:2], cache)
    (cache / UNITS_FILE).write_bytes(damage)
    _assert_refilled_to_the_fresh_build(pages[:2], cache)


def test_a_store_that_does_not_match_its_fingerprints_is_refilled(pages, tmp_path):
    import pyoxigraph as ox

    cache = tmp_path / "cache"
    graph = _incremental(pages[:2], cache)
    graph.store.add(ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:y"), ox.Literal("stray")))
    graph.store.flush()
    del graph
    _assert_refilled_to_the_fresh_build(pages[:2], cache)


def test_a_new_extractor_version_rewrites_everything(pages, tmp_path, monkeypatch):
    import kg.extraction

    cache = tmp_path / "cache"
    _incremental(pages[:2], cache)
    monkeypatch.setattr(kg.extraction, "EXTRACTOR_VERSION", "kg-extract-test-9")
    again = _incremental(pages[:2], cache)
    assert again.report.store_update["full"] == 0
    assert again.canonical_ntriples() == _fresh(pages[:2])
    assert b"kg-extract-test-9" in again.canonical_ntriples()
    assert b"kg-extractor" not in again.canonical_ntriples().replace(b"kg-extract-test-9", b"")


def test_cli_incremental_rebuild_writes_the_same_exports(pages, tmp_path, runner):
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    first = runner.invoke(main, ["build", *map(str, pages[:3]), "-o", str(out), "--profile", "fast", "--incremental",
                                 "--formats", "ttl,csv", "-q"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["build", *map(str, pages), "-o", str(out), "--profile", "fast", "--incremental",
                                 "--formats", "ttl,csv", "-q"])
    assert again.exit_code == 0, again.output
    assert (out / ".kg-cache" / "store").is_dir()
    whole = runner.invoke(main, ["build", *map(str, pages), "-o", str(fresh), "--profile", "fast", "--no-cache",
                                 "--formats", "ttl,csv", "-q"])
    assert whole.exit_code == 0, whole.output
    for name in ("graph.ttl", "papers.csv", "entities.csv", "links.csv", "mentions.csv", "cooccurrence.csv"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


def test_a_store_still_open_in_another_graph_is_left_alone(pages, tmp_path):
    cache = tmp_path / "cache"
    held = _incremental(pages[:2], cache)
    before = held.canonical_ntriples()
    with pytest.warns(RuntimeWarning, match="open elsewhere"):
        other = _incremental(pages[:3], cache)  # the store is locked by `held`: built apart, nothing touched
    assert other.report.store_update.get("store_in_use") == 1
    assert other.canonical_ntriples() == _fresh(pages[:3])
    assert held.canonical_ntriples() == before == _fresh(pages[:2])
    del held, other
    again = _incremental(pages[:3], cache)  # the kept store and its fingerprints are still those of pages[:2]
    assert again.report.store_update["full"] == 0
    assert again.canonical_ntriples() == _fresh(pages[:3])


def test_library_add_updates_the_kept_store_in_place_with_the_build_profile(pages, tmp_path):
    cache = tmp_path / "cache"
    graph = _incremental(pages[:4], cache)
    graph.add(pages[4])  # no profile or cache given: those of the build
    assert graph.report.store_update["full"] == 0
    assert graph.canonical_ntriples() == _fresh(pages)
    assert list(graph.table_rows("links")) == list(pipeline.build(pages, profile="fast").table_rows("links"))
    del graph
    again = _incremental(pages, cache)  # the kept store and fingerprints now hold all five pages
    assert again.report.store_update == {"full": 0, "deleted_units": 0, "inserted_units": 0, "triples": len(again)}


def test_library_add_to_a_fast_build_keeps_the_fast_profile(tmp_path, monkeypatch):
    from kg.model import Paper

    graph = pipeline.build(_jsonl(tmp_path / "a.jsonl", [{"id": "2401.00001", "title": "GPT-4 on GSM8K"}]),
                           profile="fast")
    profiles: list[str] = []
    encoded = pipeline._encoded_extractions

    def spy(papers, **options):
        profiles.append(options["profile"])
        return encoded(papers, **options)

    monkeypatch.setattr(pipeline, "_encoded_extractions", spy)
    graph.add([Paper("arxiv:2401.00002", "BERT on SQuAD")])
    assert profiles == ["fast"]
    both = _jsonl(tmp_path / "b.jsonl", [{"id": "2401.00001", "title": "GPT-4 on GSM8K"},
                                         {"id": "2401.00002", "title": "BERT on SQuAD"}])
    fresh = pipeline.build([both], profile="fast")  # the same papers (their sources differ)
    for name in ("entities", "links", "mentions"):
        assert list(graph.table_rows(name)) == list(fresh.table_rows(name)), name
    assert len(list(graph.table_rows("mentions"))) >= 4


def test_a_damaged_store_is_rebuilt_not_an_error(pages, tmp_path):
    cache = tmp_path / "cache"
    _incremental(pages[:2], cache)
    (cache / "store" / "CURRENT").write_bytes(b"garbage\n")
    _assert_refilled_to_the_fresh_build(pages[:2], cache)


def test_fingerprints_written_by_other_triple_code_are_not_trusted(pages, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    _incremental(pages[:2], cache)
    monkeypatch.setattr(incremental, "_triples_code", lambda: "another-version-of-the-code")
    again = _incremental(pages[:2], cache)
    assert again.report.store_update["full"] == 1


def test_a_store_path_asked_for_is_honoured_even_above_the_large_corpus_size(pages, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "LARGE_CORPUS_PAPERS", 10)
    graph = pipeline.build(pages[:1], profile="fast", cache_dir=tmp_path / "cache", store_path=tmp_path / "mine")
    assert (tmp_path / "mine").is_dir() and not (tmp_path / "cache" / "store").exists()
    assert graph.report.store_update == {}
    auto = pipeline.build(pages[:1], profile="fast", cache_dir=tmp_path / "cache2")  # > 10 papers: incremental
    assert auto.report.store_update["full"] == 1 and (tmp_path / "cache2" / "store").is_dir()


def test_the_gc_pause_survives_loading_the_spacy_model():
    """srsly calls gc.enable() while loading the model; the pause is a threshold, so it holds."""
    import gc

    from kg.nlp import load_english

    before = gc.get_threshold()
    with pipeline.young_gc_only():
        load_english()
        assert gc.get_threshold()[2] > 10**9 and gc.isenabled()
    assert gc.get_threshold() == before


def test_cli_incremental_with_no_cache_is_a_usage_error(pages, tmp_path, runner):
    result = runner.invoke(main, ["build", str(pages[0]), "-o", str(tmp_path / "o"), "--incremental", "--no-cache"])
    assert result.exit_code == 2 and "--no-cache" in result.output
