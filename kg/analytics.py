"""Graph analytics on the NetworkX view of a knowledge graph.

Every function takes the undirected paper–entity graph of
:meth:`kg.KnowledgeGraph.to_networkx` (nodes carry ``kind``: ``Paper`` or the entity
type, ``label``, and for papers ``date``) and returns plain pandas or Python objects.
:class:`kg.KnowledgeGraph` exposes each one as a method; ``kg report`` draws them.

- :func:`entity_graph`: the entity co-occurrence projection (edge weight = shared papers).
- :func:`centrality`: degree, PageRank and betweenness of entities, ranked per type.
- :func:`communities`: Louvain communities with a fixed seed, node → community id.
- :func:`cooccurrence`: crosstab of two entity types (models × benchmarks) in paper counts.
- :func:`trends`: papers per entity per month (or quarter, year) from paper dates.

Results are deterministic: ties break on keys and every random choice has a fixed seed.

Examples
--------
>>> from kg.analytics import graph_from_pairs, cooccurrence
>>> g = graph_from_pairs([("p1", "model/llama-2"), ("p1", "benchmark/mmlu"),
...                       ("p2", "model/gpt-4"), ("p2", "benchmark/mmlu")])
>>> cooccurrence(g, "Model", "Benchmark")
Benchmark  mmlu
Model
gpt-4         1
llama-2       1
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from kg.model import ENTITY_TYPES

__all__ = [
    "graph_from_pairs",
    "entity_graph",
    "centrality",
    "communities",
    "community_table",
    "cooccurrence_pairs",
    "cooccurrence",
    "paper_periods",
    "trends",
]

#: Above twice this many entities, betweenness is estimated from this many sampled sources.
BETWEENNESS_SAMPLE = 100
#: Seed of every random choice (Louvain, betweenness sampling).
SEED = 0
PAPER = "Paper"
_FREQS = {"M": "M", "month": "M", "Q": "Q", "quarter": "Q", "Y": "Y", "year": "Y", "A": "Y"}


# --------------------------------------------------------------------------- graphs


def graph_from_pairs(pairs: Iterable[tuple[str, str]], *, dates: Mapping[str, str] | None = None) -> nx.Graph:
    """A small paper–entity graph from ``(paper key, entity key)`` pairs, for examples and tests.

    The entity type is the key's prefix (``model/llama-2`` → ``Model``) and the label its
    rest; nodes and edges carry the attributes of :meth:`kg.KnowledgeGraph.to_networkx`.

    Parameters
    ----------
    pairs
        Paper → entity links.
    dates
        Optional ISO dates of papers, by paper key.

    Returns
    -------
    networkx.Graph

    Examples
    --------
    >>> g = graph_from_pairs([("p1", "model/gpt-4")], dates={"p1": "2024-01-15"})
    >>> sorted(g.nodes(data="kind"))
    [('model/gpt-4', 'Model'), ('p1', 'Paper')]
    """
    dates = dates or {}
    types = {t.lower(): t for t in ENTITY_TYPES}
    g = nx.Graph()
    for paper, entity in pairs:
        prefix, _, rest = entity.partition("/")
        if paper not in g:
            g.add_node(paper, kind=PAPER, label=paper, id=paper, date=dates.get(paper))
        if entity not in g:
            g.add_node(entity, kind=types.get(prefix, prefix.title()), label=rest or entity)
        g.add_edge(paper, entity, weight=1)
    return g


def _is_paper(data: Mapping) -> bool:
    return data.get("kind") == PAPER


def _entities(graph: nx.Graph, types: Iterable[str] | None = None) -> list[str]:
    wanted = None if types is None else set(types)
    return sorted(n for n, d in graph.nodes(data=True)
                  if not _is_paper(d) and (wanted is None or d.get("kind") in wanted))


def _papers(graph: nx.Graph) -> list[str]:
    return sorted(n for n, d in graph.nodes(data=True) if _is_paper(d))


def entity_graph(graph: nx.Graph, types: Iterable[str] | None = None) -> nx.Graph:
    """The entity co-occurrence graph: entities joined when a paper names both.

    Parameters
    ----------
    graph
        The paper–entity graph.
    types
        Keep only entities of these types (default: all).

    Returns
    -------
    networkx.Graph
        Entity nodes (with their attributes and ``papers``, their paper count); an edge's
        ``weight`` is the number of papers naming both ends.

    Examples
    --------
    >>> g = graph_from_pairs([("p1", "method/dpo"), ("p1", "model/gpt-4"),
    ...                       ("p2", "method/dpo"), ("p2", "model/gpt-4")])
    >>> list(entity_graph(g).edges(data="weight"))
    [('method/dpo', 'model/gpt-4', 2)]
    """
    keep = set(_entities(graph, types))
    projection = nx.Graph()
    for node in sorted(keep):
        data = dict(graph.nodes[node])
        data["papers"] = sum(1 for m in graph[node] if _is_paper(graph.nodes[m]))
        projection.add_node(node, **data)
    for paper in _papers(graph):
        named = sorted(m for m in graph[paper] if m in keep)
        for a, b in itertools.combinations(named, 2):
            if projection.has_edge(a, b):
                projection[a][b]["weight"] += 1
            else:
                projection.add_edge(a, b, weight=1)
    return projection


# --------------------------------------------------------------------------- centrality


def _pagerank(graph: nx.Graph, alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 200) -> dict[str, float]:
    """Weighted PageRank by power iteration in numpy (NetworkX's needs SciPy)."""
    nodes = list(graph.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    src, dst, w = [], [], []
    for a, b, weight in graph.edges(data="weight", default=1):
        for u, v in ((a, b), (b, a)):
            src.append(index[u])
            dst.append(index[v])
            w.append(float(weight))
    src_a, dst_a, w_a = np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), np.array(w)
    out = np.bincount(src_a, weights=w_a, minlength=n)
    dangling = out == 0
    share = np.divide(w_a, out[src_a], out=np.zeros_like(w_a), where=out[src_a] > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = np.bincount(dst_a, weights=rank[src_a] * share, minlength=n)
        new = alpha * (spread + rank[dangling].sum() / n) + (1 - alpha) / n
        done = np.abs(new - rank).sum() < n * tol
        rank = new
        if done:
            break
    return {node: float(rank[i]) for i, node in enumerate(nodes)}


def centrality(
    graph: nx.Graph, *, type: str | None = None, top: int | None = None, betweenness: bool = True
) -> pd.DataFrame:
    """Entity centrality on the co-occurrence graph, ranked within each type.

    Parameters
    ----------
    graph
        The paper–entity graph.
    type
        Keep only entities of this type (``"Benchmark"``); ranks are still computed on
        the whole co-occurrence graph.
    top
        Keep the first ``top`` entities of each type.
    betweenness
        Compute betweenness (the slowest measure: a shortest-path search per sampled
        source); when False the column is NaN.

    Returns
    -------
    pandas.DataFrame
        Columns ``key, type, label, papers`` (papers naming it), ``degree`` (distinct
        co-occurring entities), ``pagerank`` (weighted by shared papers), ``betweenness``
        (normalised; estimated from :data:`BETWEENNESS_SAMPLE` sources on big graphs) and
        ``rank`` (1 = most central of its type). Sorted by type, then rank: PageRank,
        then papers, then key.

    Examples
    --------
    >>> g = graph_from_pairs([("p1", "benchmark/mmlu"), ("p1", "model/gpt-4"),
    ...                       ("p2", "benchmark/mmlu"), ("p2", "benchmark/gsm8k")])
    >>> centrality(g, type="Benchmark")[["label", "papers", "degree", "rank"]]
       label  papers  degree  rank
    0   mmlu       2       2     1
    1  gsm8k       1       1     2
    """
    columns = ["key", "type", "label", "papers", "degree", "pagerank", "betweenness", "rank"]
    projection = entity_graph(graph)
    if projection.number_of_nodes() == 0:
        return pd.DataFrame(columns=columns)
    pagerank = _pagerank(projection)
    n = projection.number_of_nodes()
    k = BETWEENNESS_SAMPLE if n > 2 * BETWEENNESS_SAMPLE else None
    between = nx.betweenness_centrality(projection, k=k, seed=SEED, normalized=True) if betweenness else {}
    rows = [
        (node, data.get("kind", ""), data.get("label", node), data["papers"], projection.degree(node),
         round(pagerank[node], 6), round(between.get(node, math.nan), 6))
        for node, data in projection.nodes(data=True)
        if type is None or data.get("kind") == type
    ]
    frame = pd.DataFrame(rows, columns=columns[:-1])
    order = {t: i for i, t in enumerate(ENTITY_TYPES)}
    frame["_type_order"] = frame["type"].map(lambda t: order.get(t, len(order)))
    frame = frame.sort_values(["_type_order", "pagerank", "papers", "key"], ascending=[True, False, False, True])
    frame = frame.drop(columns="_type_order")
    frame["rank"] = frame.groupby("type").cumcount() + 1
    if top is not None:
        frame = frame[frame["rank"] <= top]
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------- communities


def communities(
    graph: nx.Graph,
    *,
    nodes: Literal["all", "entities"] = "all",
    resolution: float = 1.0,
    seed: int = SEED,
) -> dict[str, int]:
    """Louvain communities, as a mapping node → community id.

    Parameters
    ----------
    graph
        The paper–entity graph.
    nodes
        ``"all"``: papers and entities together (every node gets a community, e.g. to
        colour the explorer); ``"entities"``: entities only, on the co-occurrence graph
        weighted by shared papers (research topics).
    resolution
        Louvain resolution: above 1 gives more, smaller communities.
    seed
        Louvain's random seed; fixed, so the same graph gives the same communities.

    Returns
    -------
    dict[str, int]
        Ids are 0, 1, ... by community size, largest first (ties: smallest member key);
        an isolated node is a community of its own.

    Examples
    --------
    >>> g = graph_from_pairs([("p1", "method/dpo"), ("p1", "model/gpt-4"),
    ...                       ("p2", "method/lora"), ("p2", "model/llama-2"), ("p3", "model/llama-2")])
    >>> communities(g)
    {'method/lora': 0, 'model/llama-2': 0, 'p2': 0, 'p3': 0, 'method/dpo': 1, 'model/gpt-4': 1, 'p1': 1}
    """
    target = entity_graph(graph) if nodes == "entities" else graph
    if nodes not in ("all", "entities"):
        raise ValueError(f"nodes must be 'all' or 'entities', not {nodes!r}")
    if target.number_of_nodes() == 0:
        return {}
    # Louvain's result depends on node order: give it a graph built in key order.
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(target.nodes))
    ordered.add_weighted_edges_from(
        sorted((min(a, b), max(a, b), w) for a, b, w in target.edges(data="weight", default=1))
    )
    found = nx.community.louvain_communities(ordered, weight="weight", resolution=resolution, seed=seed)
    groups = sorted((sorted(c) for c in found), key=lambda members: (-len(members), members[0]))
    return {node: i for i, members in enumerate(groups) for node in members}


def community_table(graph: nx.Graph, membership: Mapping[str, int], *, top: int = 5) -> pd.DataFrame:
    """One row per community: its size, papers, entities and most connected entities.

    Parameters
    ----------
    graph
        The paper–entity graph.
    membership
        Node → community id, as from :func:`communities`.
    top
        How many entity labels to list per community.

    Returns
    -------
    pandas.DataFrame
        Columns ``community, size, papers, entities, top_entities`` (labels, ``"; "``-joined,
        by paper count within the community).

    Examples
    --------
    >>> g = graph_from_pairs([("p1", "method/dpo"), ("p1", "model/gpt-4"),
    ...                       ("p2", "method/lora"), ("p2", "model/llama-2"), ("p3", "model/llama-2")])
    >>> community_table(g, communities(g))
       community  size  papers  entities                     top_entities
    0          0     4       2         2  llama-2 (Model); lora (Method)
    1          1     3       1         2     dpo (Method); gpt-4 (Model)
    """
    members: dict[int, list[str]] = defaultdict(list)
    for node, cid in membership.items():
        if node in graph:
            members[cid].append(node)
    rows = []
    for cid in sorted(members):
        nodes = set(members[cid])
        papers = [n for n in nodes if _is_paper(graph.nodes[n])]
        entities = [n for n in nodes if not _is_paper(graph.nodes[n])]
        weight = {e: sum(1 for m in graph[e] if m in nodes) for e in entities}
        best = sorted(entities, key=lambda e: (-weight[e], -graph.degree(e), e))[:top]
        labels = "; ".join(f"{graph.nodes[e].get('label', e)} ({graph.nodes[e].get('kind', '')})" for e in best)
        rows.append((cid, len(nodes), len(papers), len(entities), labels))
    return pd.DataFrame(rows, columns=["community", "size", "papers", "entities", "top_entities"])


# --------------------------------------------------------------------------- co-occurrence


def _names(graph: nx.Graph, keys: Iterable[str]) -> dict[str, str]:
    """Display names: the label, or ``label (key)`` when two of ``keys`` share a label."""
    keys = list(keys)
    labels = {k: str(graph.nodes[k].get("label") or k) for k in keys}
    counts = Counter(labels.values())
    return {k: (label if counts[label] == 1 else f"{label} ({k})") for k, label in labels.items()}


def cooccurrence_pairs(graph: nx.Graph, type_a: str, type_b: str) -> pd.DataFrame:
    """Pairs of entities of two types named by the same papers, most papers first.

    Parameters
    ----------
    graph
        The paper–entity graph.
    type_a, type_b
        Entity types, e.g. ``"Model"`` and ``"Benchmark"`` (may be equal: then each
        unordered pair of distinct entities appears once).

    Returns
    -------
    pandas.DataFrame
        Columns ``a_key, a_label, b_key, b_label, papers``, sorted by papers (descending),
        then keys.

    Examples
    --------
    >>> g = graph_from_pairs([("p1", "model/gpt-4"), ("p1", "benchmark/mmlu"),
    ...                       ("p2", "model/gpt-4"), ("p2", "benchmark/mmlu"), ("p2", "benchmark/gsm8k")])
    >>> cooccurrence_pairs(g, "Model", "Benchmark")[["a_label", "b_label", "papers"]]
      a_label b_label  papers
    0   gpt-4    mmlu       2
    1   gpt-4   gsm8k       1
    """
    counts: Counter[tuple[str, str]] = Counter()
    kinds = dict(graph.nodes(data="kind"))
    for paper in _papers(graph):
        named = sorted(graph[paper])
        left = [e for e in named if kinds.get(e) == type_a]
        right = [e for e in named if kinds.get(e) == type_b]
        if type_a == type_b:
            counts.update(itertools.combinations(left, 2))
        else:
            counts.update(itertools.product(left, right))
    names = _names(graph, {k for pair in counts for k in pair})
    rows = sorted(((a, names[a], b, names[b], n) for (a, b), n in counts.items()),
                  key=lambda r: (-r[4], r[0], r[2]))
    return pd.DataFrame(rows, columns=["a_key", "a_label", "b_key", "b_label", "papers"])


def cooccurrence(graph: nx.Graph, type_a: str, type_b: str, *, top: int | None = None) -> pd.DataFrame:
    """Crosstab of two entity types: how many papers name each pair (which models on which benchmarks).

    Parameters
    ----------
    graph
        The paper–entity graph.
    type_a, type_b
        Entity types of the rows and the columns.
    top
        Keep only the ``top`` rows and ``top`` columns with the most co-occurring papers.

    Returns
    -------
    pandas.DataFrame
        Rows: entities of ``type_a`` (index named ``type_a``); columns: entities of
        ``type_b``; values: paper counts (0 where never together). Labels shared by two
        entities are shown as ``label (key)``. Rows and columns run from most to least
        co-occurrence; only entities with at least one pair appear.

    Examples
    --------
    >>> g = graph_from_pairs([("p1", "model/gpt-4"), ("p1", "benchmark/mmlu"),
    ...                       ("p2", "model/llama-2"), ("p2", "benchmark/gsm8k"), ("p2", "benchmark/mmlu")])
    >>> cooccurrence(g, "Model", "Benchmark")
    Benchmark  mmlu  gsm8k
    Model
    llama-2       1      1
    gpt-4         1      0
    """
    pairs = cooccurrence_pairs(graph, type_a, type_b)
    if type_a == type_b and len(pairs):
        flipped = pairs.rename(columns={"a_key": "b_key", "a_label": "b_label", "b_key": "a_key", "b_label": "a_label"})
        pairs = pd.concat([pairs, flipped], ignore_index=True)
    if pairs.empty:
        empty = pd.DataFrame(dtype=int)
        empty.index.name, empty.columns.name = type_a, type_b
        return empty
    row_total = pairs.groupby("a_label")["papers"].sum()
    col_total = pairs.groupby("b_label")["papers"].sum()
    rows = sorted(row_total.index, key=lambda r: (-row_total[r], r))[:top]
    cols = sorted(col_total.index, key=lambda c: (-col_total[c], c))[:top]
    table = pairs.pivot_table(index="a_label", columns="b_label", values="papers", aggfunc="sum", fill_value=0)
    table = table.reindex(index=rows, columns=cols, fill_value=0).astype(int)
    table.index.name, table.columns.name = type_a, type_b
    return table


# --------------------------------------------------------------------------- trends


def _freq(freq: str) -> str:
    try:
        return _FREQS[freq]
    except KeyError:
        raise ValueError(f"freq must be 'M' (month), 'Q' (quarter) or 'Y' (year), not {freq!r}") from None


def paper_periods(graph: nx.Graph, freq: str = "M") -> tuple[dict[str, pd.Period], Counter[str]]:
    """The period (month, quarter or year) of each dated paper, and why the others have none.

    A month-day date without a year (``--07-22``, from listings that omit it) cannot be
    placed in a month of a year, and a year alone (``2024``) not in a month or quarter:
    such papers are skipped, never given an invented year.

    Parameters
    ----------
    graph
        The paper–entity graph.
    freq
        ``"M"`` (month), ``"Q"`` (quarter) or ``"Y"`` (year).

    Returns
    -------
    periods : dict[str, pandas.Period]
        By paper key.
    skipped : collections.Counter
        Papers left out, by reason: ``no date``, ``no year`` (month-day only),
        ``year only``, ``unreadable date``.

    Examples
    --------
    >>> g = graph_from_pairs([("p1", "model/a"), ("p2", "model/a"), ("p3", "model/a")],
    ...                      dates={"p1": "2024-01-15", "p2": "--07-22"})
    >>> periods, skipped = paper_periods(g)
    >>> periods, dict(skipped)
    ({'p1': Period('2024-01', 'M')}, {'no year': 1, 'no date': 1})
    """
    code = _freq(freq)
    periods: dict[str, pd.Period] = {}
    skipped: Counter[str] = Counter()
    for paper in _papers(graph):
        date = graph.nodes[paper].get("date")
        if not isinstance(date, str) or not date.strip():
            skipped["no date"] += 1
            continue
        date = date.strip()
        if date.startswith("--"):
            skipped["no year"] += 1
            continue
        if len(date) == 4 and code != "Y":
            skipped["year only"] += 1
            continue
        try:
            periods[paper] = pd.Period(date[:10], freq=code)
        except (ValueError, TypeError):
            skipped["unreadable date"] += 1
    return periods, skipped


def trends(
    graph: nx.Graph,
    *,
    freq: str = "M",
    type: str | None = None,
    top: int | None = None,
    entities: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Papers naming each entity per month (or quarter, or year).

    Papers without a year-bearing date are skipped (see :func:`paper_periods`); how many,
    by reason, is in the result's ``attrs["skipped"]``, and ``attrs["dated_papers"]``
    counts the papers placed.

    Parameters
    ----------
    graph
        The paper–entity graph.
    freq
        ``"M"`` (month), ``"Q"`` (quarter) or ``"Y"`` (year).
    type
        Keep only entities of this type.
    top
        Keep the ``top`` entities with the most dated papers.
    entities
        Keep only these entity keys.

    Returns
    -------
    pandas.DataFrame
        Index: every period from the first to the last dated paper (a ``PeriodIndex``
        named ``period``, gaps included as zeros); columns: entity labels (``label (key)``
        when two share a label), most papers first; values: paper counts.

    Examples
    --------
    >>> g = graph_from_pairs([("p1", "benchmark/mmlu"), ("p2", "benchmark/mmlu"), ("p3", "benchmark/gsm8k")],
    ...                      dates={"p1": "2024-01-15", "p2": "2024-03-02", "p3": "--07-22"})
    >>> t = trends(g)
    >>> t
             mmlu
    period
    2024-01     1
    2024-02     0
    2024-03     1
    >>> t.attrs["skipped"]
    {'no year': 1}
    """
    periods, skipped = paper_periods(graph, freq)
    wanted = set(entities) if entities is not None else None
    counts: dict[str, Counter[pd.Period]] = defaultdict(Counter)
    for paper, period in periods.items():
        for entity in graph[paper]:
            data = graph.nodes[entity]
            if _is_paper(data) or (type is not None and data.get("kind") != type):
                continue
            if wanted is not None and entity not in wanted:
                continue
            counts[entity][period] += 1
    keys = sorted(counts, key=lambda k: (-sum(counts[k].values()), k))[:top]
    names = _names(graph, keys)
    if periods:
        index = pd.period_range(min(periods.values()), max(periods.values()), freq=_freq(freq), name="period")
    else:
        index = pd.PeriodIndex([], freq=_freq(freq), name="period")
    frame = pd.DataFrame({names[k]: [counts[k].get(p, 0) for p in index] for k in keys}, index=index, dtype=int)
    frame.columns.name = None
    frame.attrs["skipped"] = dict(sorted(skipped.items()))
    frame.attrs["dated_papers"] = len(periods)
    return frame

