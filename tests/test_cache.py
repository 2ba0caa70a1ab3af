"""The per-paper extraction cache: compact encoding, keys, invalidation, and cached rebuilds."""

from __future__ import annotations

import json
import importlib
import sqlite3

import pytest

from kg.cache import CACHE_FILE, ExtractionCache, content_key, decode_entities, encode_entities
from kg.graph import to_turtle
from kg.model import ExtractedEntity, Mention
from kg.pipeline import build, extract_papers, read_corpus

extract_module = importlib.import_module("kg.extraction")

SENTENCE = "We fine-tune Llama-2 on GSM8K — and ‘naïve’ Δ-tuning."


def _entities() -> tuple[ExtractedEntity, ...]:
    llama = Mention("abstract", 13, 20, "Llama-2", SENTENCE, 0)
    gsm = Mention("abstract", 24, 29, "GSM8K", SENTENCE, 0)
    title = Mention("title", 0, 5, "GSM8K", "GSM8K for all", 0)
    return (
        ExtractedEntity("Llama-2", "Model", "used", 0.83, ("LLaMA 2",), (llama,), "gazetteer"),
        ExtractedEntity("GSM8K", "Benchmark", "proposed", 0.9, (), (title, gsm), "name+gazetteer"),
    )


def test_encoding_round_trips_and_shares_sentences():
    entities = _entities()
    decoded = decode_entities(encode_entities(entities))
    assert decoded == entities
    assert decoded[0].mentions[0].sentence is decoded[1].mentions[1].sentence  # one string per sentence
    assert decode_entities(encode_entities(())) == ()


def test_key_depends_on_text_profile_and_version():
    base = content_key("T", "A", "v1", "fast")
    assert len(base) == 32 and base == content_key("T", "A", "v1", "fast")
    others = {content_key("T", "A.", "v1", "fast"), content_key("T ", "A", "v1", "fast"),
              content_key("T", "A", "v2", "fast"), content_key("T", "A", "v1", "accurate"),
              content_key("TA", "", "v1", "fast"), content_key("", "TA", "v1", "fast")}
    assert base not in others and len(others) == 6


def test_cache_stores_and_a_new_version_drops_old_rows(tmp_path):
    key, data = content_key("T", "A", "v1", "fast"), encode_entities(_entities())
    with ExtractionCache(tmp_path, "v1") as cache:
        assert cache.get(key) is None
        cache.put_many([(key, data)])
        assert cache.get(key) == data and len(cache) == 1
    with ExtractionCache(tmp_path, "v1") as cache:
        assert list(cache.get_many([key, b"x" * 32])) == [data, None]
    with ExtractionCache(tmp_path, "v2") as cache:
        assert len(cache) == 0 and cache.keys() == set()


def test_a_corrupt_cache_file_is_a_clear_error(tmp_path):
    (tmp_path / CACHE_FILE).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(RuntimeError, match="not a usable extraction cache"):
        ExtractionCache(tmp_path, "v1")


@pytest.fixture()
def corpus(tmp_path, dev_papers):
    """30 real abstracts as JSONL, and 5 more in a second file."""
    papers = json.loads(dev_papers.read_text(encoding="utf-8"))
    first, more = tmp_path / "first.jsonl", tmp_path / "more.jsonl"
    first.write_text("".join(json.dumps(p) + "\n" for p in papers[:30]), encoding="utf-8")
    more.write_text("".join(json.dumps(p) + "\n" for p in papers[30:35]), encoding="utf-8")
    return first, more


class _Counting:
    """Wraps Extractor.extract to record which papers were extracted."""

    def __init__(self, monkeypatch):
        self.titles: list[str] = []
        original = extract_module.Extractor.extract

        def extract(extractor, papers, jobs=1, batch_size=64):
            papers = list(papers)
            self.titles += [p.title for p in papers]
            return original(extractor, papers, jobs=jobs, batch_size=batch_size)

        monkeypatch.setattr(extract_module.Extractor, "extract", extract)


def _refuse(*args, **kwargs):
    raise AssertionError("the extractor ran although every paper was cached")


def test_cached_rebuild_is_byte_identical_and_skips_extraction(corpus, tmp_path, monkeypatch):
    first, _ = corpus
    cache = tmp_path / "cache"
    uncached = to_turtle(build([first], profile="fast"))
    cold = build([first], profile="fast", cache_dir=cache)
    assert (cold.report.extracted, cold.report.cached) == (30, 0)
    assert to_turtle(cold) == uncached

    monkeypatch.setattr(extract_module.Extractor, "extract", _refuse)
    warm = build([first], profile="fast", cache_dir=cache)
    assert (warm.report.extracted, warm.report.cached) == (0, 30)
    assert to_turtle(warm) == uncached
    assert "30 extractions from cache" in warm.report.summary()


def test_adding_papers_extracts_only_the_new_ones(corpus, tmp_path, monkeypatch):
    first, more = corpus
    cache = tmp_path / "cache"
    build([first], profile="fast", cache_dir=cache)
    counting = _Counting(monkeypatch)
    grown = build([first, more], profile="fast", cache_dir=cache)
    new_titles = [json.loads(line)["title"] for line in more.read_text(encoding="utf-8").splitlines()]
    assert sorted(counting.titles) == sorted(new_titles)
    assert (grown.report.extracted, grown.report.cached) == (5, 30)
    assert to_turtle(grown) == to_turtle(build([first, more], profile="fast"))


def test_a_new_extractor_version_invalidates(corpus, tmp_path, monkeypatch):
    first, _ = corpus
    cache = tmp_path / "cache"
    build([first], profile="fast", cache_dir=cache)
    counting = _Counting(monkeypatch)
    build([first], profile="fast", cache_dir=cache)
    assert counting.titles == []
    monkeypatch.setattr(extract_module, "EXTRACTOR_VERSION", extract_module.EXTRACTOR_VERSION + "+changed")
    rebuilt = build([first], profile="fast", cache_dir=cache)
    assert rebuilt.report.extracted == 30 and len(counting.titles) == 30
    with sqlite3.connect(cache / CACHE_FILE) as db:  # the old version's rows are gone
        versions = {v for (v,) in db.execute("SELECT DISTINCT version FROM extractions")}
    assert versions == {extract_module.EXTRACTOR_VERSION}


def test_extract_papers_yields_input_order_with_a_half_warm_cache(corpus, tmp_path):
    first, _ = corpus
    papers = list(read_corpus([first]).values())
    cache = tmp_path / "cache"
    list(extract_papers(papers[::2], profile="fast", cache_dir=cache))
    done: list[int] = []
    out = list(extract_papers(papers, profile="fast", cache_dir=cache, progress=done.append))
    assert [x.paper.key for x in out] == [p.key for p in papers]
    assert done == list(range(1, len(papers) + 1))
    assert out == list(extract_papers(papers, profile="fast"))
