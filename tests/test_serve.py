"""`kg serve`: the real Oxigraph server, queried over HTTP, gives the embedded store's answers."""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import queries as Q
from kg import serve as S
from sample_graph import sample_store, sample_turtle

EXAMPLE = {"entity": "DPO", "benchmark": "MMLU", "paper": "2401.00001", "type": "Method"}
#: Columns built with GROUP_CONCAT, whose order SPARQL leaves open.
CONCATENATED = {"models", "sharedEntities", "aliases"}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("export")
    (directory / "graph.ttl").write_text(sample_turtle(), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def server(export):
    with S.start(export, host="127.0.0.1", port=0, timeout_s=10) as running:
        yield running
    assert running.process.poll() is not None  # stopped


def http(url: str, data: dict[str, str] | None = None, body: str | None = None, content_type: str | None = None,
         accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    payload = urllib.parse.urlencode(data).encode() if data is not None else body.encode() if body else None
    request = urllib.request.Request(url, data=payload, headers={"Accept": accept})
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _normalise(column: str, value: str | None) -> str | None:
    if value is not None and column in CONCATENATED:
        return " | ".join(sorted(value.split(" | ")))
    return value


def remote_rows(server: S.Server, query: str) -> list[tuple]:
    status, body = http(server.query_url, data={"query": query})
    assert status == 200, body
    result = json.loads(body)
    columns = result["head"]["vars"]
    return [tuple(_normalise(c, b[c]["value"] if c in b else None) for c in columns)
            for b in result["results"]["bindings"]]


def local_rows(store: ox.Store, query: str) -> list[tuple]:
    solutions = store.query(query)
    columns = [v.value for v in solutions.variables]
    return [tuple(_normalise(c, s[c].value if s[c] is not None else None) for c in columns) for s in solutions]


def test_every_named_query_gives_the_same_answer_over_http(server):
    store = sample_store()
    for named in Q.list_queries():
        query = Q.render(named, {p.name: EXAMPLE[p.name] for p in named.parameters if p.required})
        local = local_rows(store, query)
        assert local, named.name
        assert remote_rows(server, query) == local, named.name


def test_get_and_other_result_formats(server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    status, body = http(server.query_url + "?" + urllib.parse.urlencode({"query": query}))
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == str(len(sample_store()))
    status, body = http(server.query_url, data={"query": query}, accept="text/csv")
    assert (status, body.decode().split()) == (200, ["n", str(len(sample_store()))])


def test_updates_are_refused_and_nothing_changes(server):
    update = "INSERT DATA { <http://example.org/s> <http://example.org/p> <http://example.org/o> }"
    status, _ = http(server.update_url, body=update, content_type="application/sparql-update")
    assert status == 403
    status, _ = http(server.update_url, data={"update": "DELETE WHERE { ?s ?p ?o }"})
    assert status == 403
    status, _ = http(server.query_url, body=update, content_type="application/sparql-query")
    assert status == 400
    status, _ = http(server.query_url, data={"update": update})
    assert status == 400
    assert remote_rows(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [(str(len(sample_store())),)]


def test_store_is_reused_until_the_graph_changes(tmp_path):
    (tmp_path / "graph.ttl").write_text(sample_turtle(), encoding="utf-8")
    db = S.prepare_store(tmp_path)
    assert db == tmp_path / ".oxigraph" / "db"
    marker = db / "kept"
    marker.write_text("")
    assert S.prepare_store(tmp_path) == db and marker.exists()  # unchanged graph: not reloaded
    (tmp_path / "graph.ttl").write_text("<http://example.org/s> <http://example.org/p> 1 .\n", encoding="utf-8")
    os.utime(tmp_path / "graph.ttl", ns=(1, 1))
    assert S.prepare_store(tmp_path) == db and not marker.exists()  # reloaded
    with S.start(tmp_path) as server:
        assert remote_rows(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [("1",)]


def test_bad_exports_give_one_line_errors(tmp_path):
    with pytest.raises(S.ServeError, match=r"graph.ttl: no such file; run `kg build"):
        S.prepare_store(tmp_path)
    (tmp_path / "graph.ttl").write_text("<http://example.org/s> <http://example.org/p> .\n", encoding="utf-8")
    with pytest.raises(S.ServeError, match=r"graph.ttl: Oxigraph cannot load it: .*line 1") as error:
        S.prepare_store(tmp_path)
    assert "\n" not in str(error.value)
    assert not (tmp_path / ".oxigraph" / "db").exists()  # no half-loaded store left behind


def test_port_in_use_is_reported(server, export):
    with pytest.raises(S.ServeError, match=f"cannot listen on 127.0.0.1:{server.port}"):
        S.start(export, port=server.port)


def test_loopback_detection():
    assert S.is_loopback("127.0.0.1") and S.is_loopback("::1") and S.is_loopback("localhost")
    assert not S.is_loopback("0.0.0.0") and not S.is_loopback("192.168.1.4")


def test_oxigraph_cli_is_found():
    assert Path(S.oxigraph_executable()).name.startswith("oxigraph")
    assert shutil.which(S.oxigraph_executable())
