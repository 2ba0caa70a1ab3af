"""Extraction on a Dask cluster gives the graph of a single-machine build."""

from __future__ import annotations

import json

import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.graph import to_turtle
from kg.pipeline import build, extract_papers, read_corpus

distributed = pytest.importorskip("distributed")


@pytest.fixture()
def corpus(tmp_path, dev_papers):
    papers = json.loads(dev_papers.read_text(encoding="utf-8"))[:12]
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in papers), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def client():
    """One in-process worker thread: small and quick, but tasks go through the real scheduler."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def test_dask_build_is_isomorphic_to_the_local_build(corpus, client):
    local = build([corpus], profile="fast")
    on_dask = build([corpus], profile="fast", dask=client.scheduler.address)
    assert on_dask.report.extracted == 12
    a = rdflib.Graph().parse(data=to_turtle(local), format="turtle")
    b = rdflib.Graph().parse(data=to_turtle(on_dask), format="turtle")
    assert len(a) > 100 and isomorphic(a, b)
    assert to_turtle(local) == to_turtle(on_dask)


def test_small_partitions_keep_input_order(corpus, client):
    from kg.distributed import extract_on_dask

    papers = list(read_corpus([corpus]).values())
    encoded = list(extract_on_dask(papers, profile="fast", partition_size=5, in_flight=1, client=client))
    local = list(extract_papers(papers, profile="fast"))
    from kg.cache import decode_entities

    assert [decode_entities(d) for d in encoded] == [x.entities for x in local]


def test_dask_results_fill_the_cache(corpus, client, tmp_path):
    cache = tmp_path / "cache"
    build([corpus], profile="fast", dask=client.scheduler.address, cache_dir=cache)
    again = build([corpus], profile="fast", dask=client.scheduler.address, cache_dir=cache)
    assert (again.report.extracted, again.report.cached) == (0, 12)
