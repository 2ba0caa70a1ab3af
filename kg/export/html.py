"""Interactive HTML explorer of the graph: one self-contained, offline page.

The page embeds vis-network (vendored in ``assets/``), the explorer's own script
and style, and the graph as JSON in a ``<script type="application/json">`` block.
Positions are computed here (a force layout in numpy with a fixed seed), so the
page draws with physics off and is interactive at once. Above
:data:`OVERVIEW_THRESHOLD` nodes the page opens on an overview: the nodes whose
degree reaches a minimum chosen so that about :data:`OVERVIEW_TARGET` remain; any
node's neighbourhood opens on double-click or from search.

Safety: every text reaches the page only as JSON data (``<``, ``>``, ``&``,
U+2028 and U+2029 escaped) and the script builds the DOM with ``textContent``;
a Content-Security-Policy allows only the page's own scripts and style (by hash)
and forbids every network request.

Output is deterministic: rows are sorted by key, so the same tables in any row
order give byte-identical HTML.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kg.atomic import write_atomic
from kg.model import ENTITY_TYPES

__all__ = ["to_html", "write_html", "NODE_TYPES", "RELATIONS"]

#: Node types in legend order; a node's type is its index here.
NODE_TYPES: tuple[str, ...] = ("Paper", *ENTITY_TYPES)
#: Paper → entity relations in display order; an edge stores a bit mask over them.
RELATIONS: tuple[str, ...] = (
    "proposes",
    "usesMethod",
    "usesModel",
    "usesDataset",
    "evaluatesOn",
    "addressesTask",
    "reportsMetric",
)
#: Graphs with more nodes open on an overview instead of every node.
OVERVIEW_THRESHOLD = 1500
#: About how many nodes the overview shows.
OVERVIEW_TARGET = 1000
#: Nodes laid out by the force simulation; the rest are placed next to a laid-out neighbour.
FORCE_LAYOUT_MAX = 1500
#: Layout seed: fixed, so the same graph always gets the same picture.
LAYOUT_SEED = 20240601

_SENTENCE_MAX = 600  # longer evidence is cut to a window around the mention
_TITLE_MAX = 1000
_LABEL_MAX = 48
_ALIASES_MAX = 50
_FIELD_RANK = {"title": 0, "abstract": 1}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def to_html(
    papers: pd.DataFrame,
    entities: pd.DataFrame,
    links: pd.DataFrame,
    mentions: pd.DataFrame,
    *,
    title: str = "kg",
) -> str:
    """Render the graph tables as one self-contained interactive HTML page.

    Parameters
    ----------
    papers, entities, links, mentions
        The graph tables (columns as in ARCH.md: ``papers.key``/``title``/``date``/``url``...,
        ``entities.key``/``type``/``label``/``aliases``..., ``links.paper_key``/``entity_key``/
        ``relation``/``confidence``, ``mentions.paper_key``/``entity_key``/``sentence``...).
        Missing optional columns are treated as empty.
    title
        Shown as the page title and heading.

    Returns
    -------
    str
        The HTML document; it loads nothing from the network.

    Raises
    ------
    ValueError
        If a table lacks a column the graph cannot be drawn without.
    """
    data = _graph_data(papers, entities, links, mentions, title=str(title))
    return _render(data, str(title))


def write_html(
    papers: pd.DataFrame,
    entities: pd.DataFrame,
    links: pd.DataFrame,
    mentions: pd.DataFrame,
    out_dir: str | Path,
    *,
    title: str = "kg",
) -> Path:
    """Write :func:`to_html` to ``out_dir/index.html`` atomically and return its path.

    The page is self-contained: no other file is written or needed.
    """
    page = to_html(papers, entities, links, mentions, title=title)
    return write_atomic(Path(out_dir) / "index.html", page)


# --------------------------------------------------------------------------- data


def _text(value: Any) -> str:
    """A table cell as text: missing values (None, NaN, NA) become ""."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _number(value: Any, default: float = 0.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(number) or math.isinf(number) else number


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(table: pd.DataFrame | None, name: str, required: Iterable[str], optional: Iterable[str]) -> list[dict]:
    """Rows of ``table`` as dicts of text, with every required and optional column present."""
    required = tuple(required)
    if table is None:
        table = pd.DataFrame(columns=list(required))
    missing = [column for column in required if column not in table.columns]
    if missing:
        raise ValueError(f"html export: the {name} table lacks column(s) {', '.join(missing)}")
    columns = [*required, *(column for column in optional if column in table.columns)]
    absent = [column for column in optional if column not in table.columns]
    # column lists: far faster than itertuples over pandas' string arrays
    values = [table[column].tolist() for column in columns]
    rows = []
    for cells in zip(*values, strict=True):
        row = dict(zip(columns, cells, strict=True))
        for column in absent:
            row[column] = None
        rows.append(row)
    return rows


def _mention_rank(row: Mapping[str, Any]) -> tuple:
    """Order of a paper-entity pair's mentions as evidence: most confident, title first, earliest."""
    return (
        -_number(row.get("confidence")),
        _FIELD_RANK.get(_text(row.get("field")), 2),
        _number(row.get("start")),
        _text(row.get("sentence")),
        _text(row.get("text")),
    )


class EvidencePicker:
    """Keeps, from a stream of mention rows, the one per (paper, entity) pair the page shows as evidence.

    The page never shows more, so a build can hand :func:`to_html` these instead of every
    mention: the page is the same, and a million mention rows need not be held at once.

    >>> picker = EvidencePicker()
    >>> for c, s in ((0.5, 3), (0.9, 40), (0.9, 7)):
    ...     picker.add({"paper_key": "p", "entity_key": "e", "confidence": c, "field": "abstract", "start": s})
    >>> [(r["confidence"], r["start"]) for r in picker.rows()]
    [(0.9, 7)]
    """

    def __init__(self) -> None:
        self._best: dict[tuple[str, str], tuple[tuple, dict]] = {}

    def add(self, row: Mapping[str, Any]) -> None:
        pair = (_text(row.get("paper_key")), _text(row.get("entity_key")))
        rank = _mention_rank(row)
        held = self._best.get(pair)
        if held is None or rank < held[0]:
            self._best[pair] = (rank, dict(row))

    def rows(self) -> list[dict]:
        return [row for _, row in self._best.values()]


def _utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units: JavaScript's string offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _safe_url(url: str) -> str:
    """``url`` when it is an http(s) address, else "" (no javascript: or data: links)."""
    url = url.strip()
    return url if re.match(r"(?i)https?://[^\s<>\"']+$", url) else ""


def _paper_url(row: dict) -> str:
    url = _safe_url(_text(row["url"]))
    if url:
        return url
    arxiv_id = _text(row["arxiv_id"]).strip()
    if arxiv_id and re.fullmatch(r"[A-Za-z0-9.\-/]+", arxiv_id):
        return f"https://arxiv.org/abs/{arxiv_id}"
    doi = _text(row["doi"]).strip()
    return _safe_url(f"https://doi.org/{doi}") if doi else ""


def _evidence(mention: dict, paper: dict) -> tuple[str, int, int]:
    """The sentence to show for a mention and the mention's place in it (UTF-16 offsets).

    The offsets are ``(0, 0)`` when the mention cannot be found in the sentence.
    """
    text = _text(mention["text"])
    sentence = _text(mention["sentence"])
    start = int(_number(mention["start"], -1))
    end = int(_number(mention["end"], -1))
    if sentence:
        offset = int(_number(mention["sentence_start"], 0))
        begin, stop = start - offset, end - offset
    else:
        # No sentence recorded: show the field itself around the mention.
        sentence = _text(paper.get(_text(mention["field"]) or "abstract", ""))
        begin, stop = start, end
    if not (0 <= begin < stop <= len(sentence)) or (text and sentence[begin:stop] != text):
        found = sentence.find(text) if text else -1
        if found < 0 and text:
            found = sentence.lower().find(text.lower())
        begin, stop = (found, found + len(text)) if found >= 0 else (0, 0)
    if len(sentence) > _SENTENCE_MAX:
        left = max(0, min(begin - _SENTENCE_MAX // 3, len(sentence) - _SENTENCE_MAX))
        right = left + _SENTENCE_MAX
        prefix = "…" if left else ""
        suffix = "…" if right < len(sentence) else ""
        window = prefix + sentence[left:right] + suffix
        if stop > begin and left <= begin and stop <= right:
            begin, stop = begin - left + len(prefix), stop - left + len(prefix)
        else:
            begin = stop = 0
        sentence = window
    if stop <= begin:
        return sentence, 0, 0
    return sentence, _utf16_len(sentence[:begin]), _utf16_len(sentence[:stop])


def _graph_data(
    papers: pd.DataFrame,
    entities: pd.DataFrame,
    links: pd.DataFrame,
    mentions: pd.DataFrame,
    *,
    title: str,
) -> dict[str, Any]:
    """Everything the page needs, as compact JSON-ready lists (see ``explorer.js``)."""
    paper_rows = _rows(
        papers, "papers", ["key"], ["id", "title", "abstract", "date", "authors", "url", "arxiv_id", "doi"]
    )
    entity_rows = _rows(entities, "entities", ["key", "type", "label"], ["aliases", "paper_count", "variant_of"])
    link_rows = _rows(links, "links", ["paper_key", "entity_key"], ["relation", "confidence", "mention_count"])
    mention_rows = _rows(
        mentions,
        "mentions",
        ["paper_key", "entity_key"],
        ["field", "start", "end", "text", "sentence", "sentence_start", "confidence"],
    )

    # Nodes: papers then entities, each sorted by key; duplicates keep their first row in key order.
    paper_by_key: dict[str, dict] = {}
    for row in sorted(paper_rows, key=lambda r: (_text(r["key"]), _text(r["title"]), _text(r["date"]))):
        paper_by_key.setdefault(_text(row["key"]), row)
    entity_by_key: dict[str, dict] = {}
    for row in sorted(entity_rows, key=lambda r: (_text(r["key"]), _text(r["label"]))):
        entity_by_key.setdefault(_text(row["key"]), row)
    paper_keys = sorted(paper_by_key)
    entity_keys = sorted(entity_by_key)
    index = {key: i for i, key in enumerate(paper_keys)}
    entity_index = {key: len(paper_keys) + i for i, key in enumerate(entity_keys)}
    type_index = {name: i for i, name in enumerate(NODE_TYPES)}
    relation_index = {name: i for i, name in enumerate(RELATIONS)}

    # Edges: one per (paper, entity) pair, relations as a bit mask, the strongest confidence.
    pairs: dict[tuple[int, int], list] = {}
    for row in link_rows:
        p = index.get(_text(row["paper_key"]))
        e = entity_index.get(_text(row["entity_key"]))
        if p is None or e is None:
            continue
        relation = relation_index.get(_text(row["relation"]), -1)
        pair = pairs.setdefault((p, e), [0, 0.0, 0])
        if relation >= 0:
            pair[0] |= 1 << relation
        pair[1] = max(pair[1], _number(row["confidence"]))
        pair[2] += int(_number(row["mention_count"]))

    # Evidence: per pair, the most confident mention (then title before abstract, then first).
    best: dict[tuple[int, int], dict] = {}
    for row in mention_rows:
        pair_id = (index.get(_text(row["paper_key"]), -1), entity_index.get(_text(row["entity_key"]), -1))
        if pair_id not in pairs:
            continue
        rank = _mention_rank(row)
        held = best.get(pair_id)
        if held is None or rank < held["_rank"]:
            best[pair_id] = {**row, "_rank": rank}

    sentences: list[list[str]] = [[] for _ in paper_keys]
    sentence_ids: list[dict[str, int]] = [{} for _ in paper_keys]
    edges = []
    for (p, e), (mask, confidence, mention_count) in sorted(pairs.items()):
        evidence: list[int] | int = 0
        mention = best.get((p, e))
        if mention is not None:
            paper_row = paper_by_key[paper_keys[p]]
            sentence, begin, stop = _evidence(mention, {k: _text(v) for k, v in paper_row.items()})
            if sentence:
                ids = sentence_ids[p]
                if sentence not in ids:
                    ids[sentence] = len(sentences[p])
                    sentences[p].append(sentence)
                evidence = [ids[sentence], begin, stop]
        edges.append([p, e, mask, round(confidence, 3), mention_count, evidence])

    degree = [0] * (len(paper_keys) + len(entity_keys))
    for p, e, *_ in edges:
        degree[p] += 1
        degree[e] += 1
    positions = _layout(len(degree), [(p, e) for p, e, *_ in edges], degree)

    nodes = []
    paper_records = []
    for i, key in enumerate(paper_keys):
        row = paper_by_key[key]
        paper_title = _cut(" ".join(_text(row["title"]).split()), _TITLE_MAX) or key
        nodes.append([0, _cut(paper_title, _LABEL_MAX), degree[i], *positions[i]])
        paper_records.append(
            [
                key,
                _text(row["id"]) or key,
                paper_title,
                _text(row["date"]),
                _paper_url(row),
                _cut(_text(row["authors"]), _TITLE_MAX),
                sentences[i],
            ]
        )
    entity_records = []
    for j, key in enumerate(entity_keys):
        row = entity_by_key[key]
        i = len(paper_keys) + j
        label = _cut(" ".join(_text(row["label"]).split()), _TITLE_MAX) or key
        kind = type_index.get(_text(row["type"]), -1)
        aliases = sorted({a.strip() for a in _text(row["aliases"]).split("|") if a.strip() and a.strip() != label})
        variant = entity_index.get(_text(row["variant_of"]), -1)
        nodes.append([kind if kind > 0 else len(NODE_TYPES), _cut(label, _LABEL_MAX), degree[i], *positions[i]])
        entity_records.append(
            [
                key,
                label,
                _text(row["type"]),
                [_cut(a, _TITLE_MAX) for a in aliases[:_ALIASES_MAX]],
                variant,
                int(_number(row["paper_count"], 0)),
            ]
        )

    return {
        "title": title,
        "types": [*NODE_TYPES, "Other"],
        "relations": list(RELATIONS),
        "overviewMinDegree": _overview_min_degree(degree),
        "overviewThreshold": OVERVIEW_THRESHOLD,
        "nodes": nodes,
        "papers": paper_records,
        "entities": entity_records,
        "edges": edges,
    }


def _overview_min_degree(degree: list[int]) -> int:
    """0 for small graphs; else the least degree keeping at most OVERVIEW_TARGET nodes."""
    if len(degree) <= OVERVIEW_THRESHOLD:
        return 0
    counts = np.bincount(np.asarray(degree, dtype=np.int64))
    at_least = np.cumsum(counts[::-1])[::-1]  # at_least[d] = nodes with degree >= d
    for d in range(1, len(at_least)):
        if at_least[d] <= OVERVIEW_TARGET:
            return d
    return len(at_least)


# --------------------------------------------------------------------------- layout


def _layout(n: int, edges: list[tuple[int, int]], degree: list[int]) -> list[list[int]]:
    """Integer pixel positions for ``n`` nodes, the same for the same graph.

    The :data:`FORCE_LAYOUT_MAX` highest-degree nodes get a Fruchterman-Reingold layout; every
    other node is placed, breadth first, on a small spiral around its first placed neighbour,
    and nodes of components that never touch the laid-out core on a grid below it.
    """
    if n == 0:
        return []
    order = sorted(range(n), key=lambda i: (-degree[i], i))
    core = sorted(order[:FORCE_LAYOUT_MAX])
    core_index = {node: i for i, node in enumerate(core)}
    core_edges = [(core_index[a], core_index[b]) for a, b in edges if a in core_index and b in core_index]
    xy = np.full((n, 2), np.nan)
    xy[core] = _force_layout(len(core), core_edges)

    spacing = 70.0  # pixels between neighbours placed around a node
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    for adjacent in neighbours:
        adjacent.sort(key=lambda i: (-degree[i], i))
    placed = np.zeros(n, dtype=bool)
    placed[core] = True
    children = np.zeros(n, dtype=np.int64)
    golden = math.pi * (3 - math.sqrt(5))

    def place_around(parent: int, frontier: list[int]) -> None:
        for child in neighbours[parent]:
            if placed[child]:
                continue
            k = children[parent] = children[parent] + 1
            radius = spacing * (1 + 0.35 * math.sqrt(k))
            xy[child] = xy[parent] + radius * np.array([math.cos(k * golden), math.sin(k * golden)])
            placed[child] = True
            frontier.append(child)

    def spread(frontier: list[int]) -> None:
        while frontier:
            following: list[int] = []
            for node in frontier:
                place_around(node, following)
            frontier = following

    spread(list(core))
    if not placed.all():
        # Components away from the core: each on its own cell of a grid under the layout.
        low = np.nanmax(xy[:, 1]) if placed.any() else 0.0
        left = np.nanmin(xy[:, 0]) if placed.any() else 0.0
        width = (np.nanmax(xy[:, 0]) - left) if placed.any() else 0.0
        columns = max(1, int(width // (spacing * 3)) or 10)
        cell = 0
        for node in order:
            if placed[node]:
                continue
            row, column = divmod(cell, columns)
            xy[node] = (left + column * spacing * 3, low + spacing * 3 * (row + 1))
            placed[node] = True
            cell += 1
            spread([node])
    return np.rint(xy).astype(np.int64).tolist()


def _force_layout(n: int, edges: list[tuple[int, int]], iterations: int = 100) -> np.ndarray:
    """ForceAtlas2 layout (Jacomy et al. 2014) in pixels, from a fixed seed.

    ForceAtlas2 rather than Fruchterman-Reingold because its degree-weighted repulsion gives
    hubs room and its constant gravity keeps small components close, which suits
    paper–entity graphs. Repulsion is dense numpy (n × n, fine for the few thousand nodes
    it is given), attraction runs along edges only; no BLAS call, so thread count cannot
    change the result.
    """
    if n <= 1:
        return np.zeros((n, 2))
    rng = np.random.default_rng(LAYOUT_SEED)
    x, y = (rng.random((2, n)) - 0.5) * math.sqrt(n) * 10
    a, b = (np.asarray(edges, dtype=np.int64).reshape(-1, 2).T) if edges else (np.zeros(0, np.int64),) * 2
    mass = (np.bincount(a, minlength=n) + np.bincount(b, minlength=n) + 1).astype(np.float64)
    scaling, gravity = 2.0, 1.0
    jitter = min(10.0, max(0.05 * math.sqrt(n), 1.0))
    speed, speed_efficiency = 1.0, 1.0
    old_x = old_y = np.zeros(n)
    mass32 = mass.astype(np.float32)
    for _ in range(iterations):
        # the n × n part in float32: half the memory traffic, precision to spare for a drawing
        x32, y32 = x.astype(np.float32), y.astype(np.float32)
        dx = x32[:, None] - x32[None, :]
        dy = y32[:, None] - y32[None, :]
        factor = dx * dx
        factor += dy * dy
        np.maximum(factor, np.float32(1e-2), out=factor)
        np.divide(mass32[None, :], factor, out=factor)  # repulsion k·m_i·m_j / d along the unit vector
        dx *= factor
        dy *= factor
        force_x = dx.sum(axis=1, dtype=np.float64)
        force_y = dy.sum(axis=1, dtype=np.float64)
        force_x *= scaling * mass
        force_y *= scaling * mass
        radius = np.maximum(np.sqrt(x * x + y * y), 1e-9)
        force_x -= gravity * mass * x / radius
        force_y -= gravity * mass * y / radius
        ex, ey = x[a] - x[b], y[a] - y[b]  # linear attraction along edges
        force_x -= np.bincount(a, ex, n) - np.bincount(b, ex, n)
        force_y -= np.bincount(a, ey, n) - np.bincount(b, ey, n)
        # adaptive speed: fast while forces agree between steps, slow where nodes swing
        swing = np.sqrt((force_x - old_x) ** 2 + (force_y - old_y) ** 2)
        traction = np.sqrt((force_x + old_x) ** 2 + (force_y + old_y) ** 2) / 2
        total_swing = float((mass * swing).sum())
        total_traction = float((mass * traction).sum())
        estimated = 0.05 * math.sqrt(n)
        min_jitter = math.sqrt(estimated)
        tolerance = max(min_jitter, min(jitter, estimated * total_traction / (n * n)))
        if total_swing / max(total_traction, 1e-12) > 2.0:
            speed_efficiency = max(speed_efficiency * 0.5, 0.05)
            tolerance = max(tolerance, jitter)
        target = tolerance * speed_efficiency * total_traction / max(total_swing, 1e-12)
        if total_swing > tolerance * total_traction:
            speed_efficiency = max(speed_efficiency * 0.7, 0.05)
        elif speed < 1000:
            speed_efficiency *= 1.3
        speed = speed + min(target - speed, 0.5 * speed)
        step = speed / (1 + np.sqrt(speed * swing))
        magnitude = np.sqrt(force_x * force_x + force_y * force_y)
        step = np.minimum(step, 10.0 / np.maximum(magnitude, 1e-12))  # at most 10 units a step
        x += force_x * step
        y += force_y * step
        old_x, old_y = force_x, force_y
    pos = np.column_stack([x - x.mean(), y - y.mean()])
    if len(a):
        lengths = np.hypot(pos[a, 0] - pos[b, 0], pos[a, 1] - pos[b, 1])
        unit = float(np.median(lengths))
    else:
        unit = float(np.median(np.abs(pos))) or 1.0
    return pos * (120.0 / max(unit, 1e-9))  # median edge about 120 pixels


# --------------------------------------------------------------------------- page


@cache
def _asset(name: str) -> str:
    text = resources.files("kg.export").joinpath("assets", name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError(f"asset {name} cannot be inlined in a <script> element")
    return text


def _json_for_script(data: Any) -> str:
    """JSON that can sit inside ``<script type="application/json">`` whatever its strings hold."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = _LONE_SURROGATE.sub("\ufffd", text)  # unpaired surrogates cannot be encoded as UTF-8
    return _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group()], text)


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _render(data: dict[str, Any], title: str) -> str:
    vis_js = _asset("vis-network.min.js")
    app_js = _asset("explorer.js")
    css = _asset("explorer.css")
    # Scripts and style allowed by hash only; no request of any kind.
    policy = (
        "default-src 'none'; "
        f"script-src {_csp_hash(vis_js)} {_csp_hash(app_js)}; "
        f"style-src {_csp_hash(css)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    heading = html.escape(title, quote=True)
    return "".join(
        [
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<meta name="referrer" content="no-referrer">\n',
            f"<title>{heading}</title>\n<style>",
            css,
            "</style>\n</head>\n<body>\n",
            _asset("explorer.html").replace("{{title}}", heading),
            '<script type="application/json" id="kg-data">',
            _json_for_script(data),
            "</script>\n<script>",
            vis_js,
            "</script>\n<script>",
            app_js,
            "</script>\n</body>\n</html>\n",
        ]
    )
