"""Time every named query (ontology/queries/*.rq) on a graph: median milliseconds per query.

Usage::

    python bench/bench_queries.py GRAPH [-n 5] [--param entity=DPO ...] [--timeout S] [--json]

GRAPH is an export folder (its graph.ttl) or an RDF file. The graph is loaded into an
in-memory pyoxigraph store (the embedded engine `kg query` uses). Required parameters not
given with --param are picked from the graph itself: the most-linked entity, the benchmark
most papers evaluate on, the paper with the most links, and the type Method. Each query's
rows are fully read on every run, so the time covers producing the whole answer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kg import queries as Q  # noqa: E402

KGO = "https://w3id.org/kg-ml/ontology#"
REL = "kgo:proposes|kgo:usesMethod|kgo:usesModel|kgo:usesDataset|kgo:evaluatesOn|kgo:addressesTask|kgo:reportsMetric"
PICKS = {
    "entity": f"""PREFIX kgo: <{KGO}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?v WHERE {{ ?p {REL} ?e . ?e skos:prefLabel ?v }} GROUP BY ?v ORDER BY DESC(COUNT(?p)) ?v LIMIT 1""",
    "benchmark": f"""PREFIX kgo: <{KGO}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?v WHERE {{ ?p kgo:evaluatesOn ?e . ?e skos:prefLabel ?v }} GROUP BY ?v ORDER BY DESC(COUNT(?p)) ?v LIMIT 1""",
    # a paper naming the picked entity (so `evidence` has an answer), the one with most links
    "paper": f"""PREFIX kgo: <{KGO}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?v WHERE {{ ?p {REL} ?x . ?x skos:prefLabel $entity . ?p {REL} ?e . BIND(STR(?p) AS ?v) }}
        GROUP BY ?v ORDER BY DESC(COUNT(DISTINCT ?e)) ?v LIMIT 1""",
}


def load(graph: Path) -> ox.Store:
    path = graph / "graph.ttl" if graph.is_dir() else graph
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
    store = ox.Store()
    store.bulk_load(path=str(path), format=fmt)
    return store


def pick(store: ox.Store, name: str, picked: dict[str, str]) -> str:
    if name == "type":
        return "Method"
    query = PICKS[name]
    if "$entity" in query:
        entity = picked.get("entity") or pick(store, "entity", picked)
        query = query.replace("$entity", str(ox.Literal(entity)))
    solutions = list(store.query(query))
    if not solutions:
        raise SystemExit(f"cannot pick a value for --param {name}: the graph has none; give it with --param")
    return solutions[0]["v"].value


def time_query(store: ox.Store, text: str, repeat: int) -> tuple[list[float], int]:
    """Milliseconds of each of ``repeat`` runs (every row read), and the row count."""
    times, rows = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = sum(1 for _ in store.query(text))
        times.append((time.perf_counter() - t0) * 1000)
    return times, rows


def time_in_child(store: ox.Store, text: str, repeat: int, timeout: float) -> tuple[list[float], int] | None:
    """:func:`time_query` in a forked child that is killed after ``timeout`` seconds per run; None then.

    The store cannot interrupt a running query, so a slow one is stopped by ending its process;
    fork shares the loaded store with the child without copying it.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=lambda: send.send(time_query(store, text, repeat)))
    child.start()
    ready = receive.poll(timeout * repeat)
    result = receive.recv() if ready else None
    child.kill()
    child.join()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("graph", type=Path, help="export folder or RDF file")
    parser.add_argument("-n", "--repeat", type=int, default=5, help="runs per query (default 5)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="parameter value")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only these queries")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--timeout", type=float, default=0, metavar="S",
                        help="give up on a query after S seconds per run (each query then runs in a forked child)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    store = load(args.graph)
    load_s = time.perf_counter() - started
    given = dict(p.split("=", 1) for p in args.param)
    picked: dict[str, str] = {}
    results = []
    for named in Q.list_queries():
        if args.only and named.name not in args.only:
            continue
        params = {}
        for parameter in named.parameters:
            if parameter.name in given:
                params[parameter.name] = given[parameter.name]
            elif parameter.required:
                if parameter.name not in picked:
                    picked[parameter.name] = pick(store, parameter.name, {**picked, **given})
                params[parameter.name] = picked[parameter.name]
        text = Q.render(named, params)
        measured = (time_in_child(store, text, args.repeat, args.timeout) if args.timeout
                    else time_query(store, text, args.repeat))
        if measured is None:
            results.append({"query": named.name, "median_ms": float("inf"), "min_ms": float("inf"), "rows": -1,
                            "params": params})
            continue
        times, rows = measured
        results.append({"query": named.name, "median_ms": round(statistics.median(times), 2),
                        "min_ms": round(min(times), 2), "rows": rows, "params": params})
    if args.json:
        print(json.dumps({"graph": str(args.graph), "triples": len(store), "load_s": round(load_s, 2),
                          "repeat": args.repeat, "picked": picked, "queries": results}, indent=1))
        return 0
    print(f"# {args.graph}: {len(store):,} triples, loaded in {load_s:.1f} s; {args.repeat} runs per query")
    print(f"# picked parameters: {picked}")
    print(f"{'query':28} {'median ms':>10} {'min ms':>10} {'rows':>7}")
    for r in results:
        if r["rows"] < 0:
            print(f"{r['query']:28} {'> ' + str(args.timeout) + ' s':>10} {'':>10} {'':>7}")
        else:
            print(f"{r['query']:28} {r['median_ms']:10.1f} {r['min_ms']:10.1f} {r['rows']:7d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
