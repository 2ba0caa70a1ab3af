"""``kg report``: a static summary page of a graph, written next to the explorer.

The page (``report.html``) shows counts per type, the top entities of each type, trends
over time, co-occurrence highlights (which models on which benchmarks) and the largest
communities. Charts are inline SVG drawn here; the page has no script, loads nothing
from the network (its Content-Security-Policy forbids it) and escapes every text taken
from the graph. The same graph gives byte-identical output.

Examples
--------
>>> from kg.graph import KnowledgeGraph
>>> page = to_report(KnowledgeGraph.example())
>>> "<svg" in page and "MMLU" in page and "<script" not in page
True
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from kg import analytics
from kg.model import ENTITY_TYPES

if TYPE_CHECKING:
    import networkx as nx

    from kg.graph import KnowledgeGraph

__all__ = ["to_report", "write_report", "REPORT_FILE"]

#: File name of the report inside an export folder.
REPORT_FILE = "report.html"
#: Colour of each node type in charts (the explorer's palette order).
TYPE_COLOURS: dict[str, str] = {
    "Paper": "#6b7280", "Method": "#2563eb", "Model": "#dc2626", "Dataset": "#16a34a",
    "Benchmark": "#d97706", "Task": "#7c3aed", "Metric": "#0891b2",
}
#: Co-occurrence tables shown, as (row type, column type).
COOCCURRENCE_PAIRS: tuple[tuple[str, str], ...] = (
    ("Model", "Benchmark"), ("Method", "Benchmark"), ("Method", "Task"), ("Model", "Dataset"),
)
#: Above this many paper–entity links the report leaves betweenness out.
BETWEENNESS_MAX_LINKS = 50_000
_SERIES_COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563")
_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #111827; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #e5e7eb; padding-bottom: 0.2em; }
h3 { margin-bottom: 0.3em; }
.summary { color: #374151; } .note { color: #6b7280; font-size: 0.92em; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 1.2em 2em; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.92em; margin: 0.4em 0 1em; }
th, td { padding: 0.2em 0.6em; border-bottom: 1px solid #e5e7eb; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
svg { max-width: 100%; height: auto; } svg text { font: 12px system-ui, sans-serif; fill: #111827; }
"""


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- charts (inline SVG)


def bar_chart(items: Sequence[tuple[str, float]], *, colour: str = "#2563eb", width: int = 420,
              label_width: int = 150) -> str:
    """A horizontal bar chart as inline SVG: one labelled bar per ``(label, value)``.

    Examples
    --------
    >>> svg = bar_chart([("MMLU", 3), ("<b>", 1)])
    >>> svg.count("<rect"), "&lt;b&gt;" in svg
    (2, True)
    """
    row = 20
    height = row * len(items) + 6
    top = max((v for _, v in items), default=0) or 1
    span = width - label_width - 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    for i, (label, value) in enumerate(items):
        y = 3 + i * row
        bar = max(1.0, span * value / top) if value else 0.0
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{_e(_short(label, 24))}'
                     f'<title>{_e(label)}</title></text>')
        parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{bar:.1f}" height="{row - 6}" fill="{colour}"/>')
        parts.append(f'<text x="{label_width + bar + 4:.1f}" y="{y + 13}">{_e(_number(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def column_chart(items: Sequence[tuple[str, float]], *, colour: str = "#6b7280", width: int = 760,
                 height: int = 200) -> str:
    """A vertical bar chart as inline SVG (one column per ``(label, value)``, e.g. per month).

    Examples
    --------
    >>> column_chart([("2024-01", 2), ("2024-02", 0)]).count("<rect")
    2
    """
    left, bottom, top_pad = 36, 40, 10
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    n = max(len(items), 1)
    top = max((v for _, v in items), default=0) or 1
    slot = plot_w / n
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#9ca3af"/>',
             f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end">{_e(_number(top))}</text>',
             f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end">0</text>']
    step = max(1, (n + 7) // 8)
    for i, (label, value) in enumerate(items):
        h = plot_h * value / top
        x = left + i * slot
        parts.append(f'<rect x="{x + slot * 0.1:.1f}" y="{top_pad + plot_h - h:.1f}" width="{max(slot * 0.8, 0.5):.1f}" '
                     f'height="{h:.1f}" fill="{colour}"><title>{_e(label)}: {_e(_number(value))}</title></rect>')
        if i % step == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{top_pad + plot_h + 16}" text-anchor="middle">'
                         f'{_e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(frame: pd.DataFrame, *, width: int = 760, height: int = 260) -> str:
    """A line chart as inline SVG: one line per column over the index (periods), with a legend.

    Examples
    --------
    >>> frame = pd.DataFrame({"MMLU": [1, 0, 2]}, index=["2024-01", "2024-02", "2024-03"])
    >>> line_chart(frame).count("<polyline")
    1
    """
    left, right, top_pad, bottom = 36, 170, 10, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    labels = [str(p) for p in frame.index]
    top = max(1, int(frame.to_numpy().max())) if frame.size else 1
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - v / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">',
             f'<line x1="{left}" y1="{y(0):.1f}" x2="{left + plot_w}" y2="{y(0):.1f}" stroke="#9ca3af"/>',
             f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{y(0):.1f}" stroke="#9ca3af"/>',
             f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end">{top}</text>',
             f'<text x="{left - 4}" y="{y(0):.1f}" text-anchor="end">0</text>']
    step = max(1, (n + 7) // 8)  # at most about 8 period labels
    for i in range(0, n, step):
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">{_e(labels[i])}</text>')
    for k, column in enumerate(frame.columns):
        colour = _SERIES_COLOURS[k % len(_SERIES_COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(float(v)):.1f}" for i, v in enumerate(frame[column]))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
                     f'<title>{_e(column)}</title></polyline>')
        for i, v in enumerate(frame[column]):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(float(v)):.1f}" r="2.5" fill="{colour}"/>')
        ly = top_pad + 14 + 18 * k
        parts.append(f'<rect x="{left + plot_w + 14}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + plot_w + 28}" y="{ly}">{_e(_short(str(column), 22))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap(table: pd.DataFrame, *, cell: int = 30, colour: str = "#d97706") -> str:
    """A crosstab as an SVG heatmap: darker cells for more papers, counts written in.

    Examples
    --------
    >>> table = pd.DataFrame([[2, 0]], index=["GPT-4"], columns=["MMLU", "GSM8K"])
    >>> heatmap(table).count("<rect")
    2
    """
    row_label, col_label = 150, 110
    rows, cols = [str(r) for r in table.index], [str(c) for c in table.columns]
    width, height = row_label + cell * len(cols) + 4, col_label + cell * len(rows) + 4
    top = max(1, int(table.to_numpy().max())) if table.size else 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    for j, name in enumerate(cols):
        cx = row_label + j * cell + cell / 2 + 4
        parts.append(f'<text x="{cx:.1f}" y="{col_label - 6}" transform="rotate(-50 {cx:.1f} {col_label - 6})">'
                     f'{_e(_short(name, 18))}<title>{_e(name)}</title></text>')
    for i, name in enumerate(rows):
        y = col_label + i * cell
        parts.append(f'<text x="{row_label - 6}" y="{y + cell / 2 + 4:.1f}" text-anchor="end">'
                     f'{_e(_short(name, 22))}<title>{_e(name)}</title></text>')
        for j in range(len(cols)):
            value = int(table.iat[i, j])
            opacity = 0.08 + 0.92 * value / top if value else 0.0
            parts.append(f'<rect x="{row_label + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                         f'fill="{colour}" fill-opacity="{opacity:.2f}" stroke="#e5e7eb">'
                         f'<title>{_e(name)} × {_e(cols[j])}: {value}</title></rect>')
            if value:
                parts.append(f'<text x="{row_label + j * cell + (cell - 2) / 2:.1f}" y="{y + cell / 2 + 3:.1f}" '
                             f'text-anchor="middle">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:.3g}"


def _table(frame: pd.DataFrame, numeric: Sequence[str] = ()) -> str:
    head = "".join(f'<th class="n">{_e(c)}</th>' if c in numeric else f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row):
            text = _number(value) if column in numeric and isinstance(value, int | float) else value
            cells.append(f'<td class="n">{_e(text)}</td>' if column in numeric else f"<td>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<div class=\"wide\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


# --------------------------------------------------------------------------- sections


def _counts_section(network: nx.Graph) -> str:
    kinds = [k for _, k in network.nodes(data="kind")]
    per_type = [(t, kinds.count(t)) for t in ENTITY_TYPES]
    bars = bar_chart(per_type, colour="#4b5563")
    table = pd.DataFrame(per_type, columns=["type", "entities"])
    return f'<h2>Entities per type</h2><div class="grid"><div>{bars}</div><div>{_table(table, ["entities"])}</div></div>'


def _top_section(network: nx.Graph, top: int) -> str:
    # Betweenness costs a shortest-path search per sampled source: left out of big graphs' reports.
    ranked = analytics.centrality(network, top=top, betweenness=network.number_of_edges() <= BETWEENNESS_MAX_LINKS)
    blocks = []
    for entity_type in ENTITY_TYPES:
        rows = ranked[ranked["type"] == entity_type]
        if rows.empty:
            continue
        by_papers = rows.sort_values(["papers", "pagerank", "key"], ascending=[False, False, True])
        chart = bar_chart([(r.label, r.papers) for r in by_papers.itertuples()], colour=TYPE_COLOURS[entity_type])
        shown = rows[["label", "papers", "degree", "pagerank", "betweenness"]].copy()
        shown["pagerank"] = shown["pagerank"].round(4)
        shown["betweenness"] = shown["betweenness"].round(4)
        if shown["betweenness"].isna().all():
            shown = shown.drop(columns="betweenness")
        blocks.append(f"<div><h3>{_e(entity_type)}</h3><p class=\"note\">Papers naming each entity:</p>{chart}"
                      f"<p class=\"note\">By PageRank on the co-occurrence graph:</p>"
                      f"{_table(shown, ['papers', 'degree', 'pagerank', 'betweenness'])}</div>")
    if not blocks:
        return "<h2>Top entities</h2><p>No entities.</p>"
    return f'<h2>Top entities</h2><div class="grid">{"".join(blocks)}</div>'


def _skipped_note(skipped: dict[str, int], dated: int) -> str:
    reasons = {
        "no date": "no date",
        "no year": "a month and day but no year (listing pages omit it), so cannot be placed in a month",
        "year only": "only a year",
        "unreadable date": "an unreadable date",
    }
    parts = [f"{n} {'paper has' if n == 1 else 'papers have'} {reasons.get(why, why)}"
             for why, n in skipped.items() if n]
    placed = f"{dated} {'paper is' if dated == 1 else 'papers are'} placed in time."
    return f'<p class="note">{_e(placed)} {_e("; ".join(parts) + "." if parts else "")}</p>'


def _trend_freq(network: nx.Graph) -> tuple[str, str]:
    """The finest of month, quarter, year that keeps a chart to at most 36 points."""
    for freq, name in (("M", "month"), ("Q", "quarter"), ("Y", "year")):
        periods, _ = analytics.paper_periods(network, freq)
        if not periods or (max(periods.values()) - min(periods.values())).n < 36:
            return freq, name
    return "Y", "year"


def _trends_section(network: nx.Graph, lines: int = 6) -> str:
    monthly = analytics.trends(network, freq="M")
    note = _skipped_note(monthly.attrs["skipped"], monthly.attrs["dated_papers"])
    if len(monthly.index) == 0:
        return f"<h2>Trends</h2>{note}<p>No paper has a date with a year: no trend to draw.</p>"
    freq, name = _trend_freq(network)
    periods, _ = analytics.paper_periods(network, freq)
    span = analytics.trends(network, freq=freq).index
    per_period = pd.Series(0, index=span)
    for period in periods.values():
        per_period[period] += 1
    overall = column_chart([(str(p), int(n)) for p, n in per_period.items()])
    blocks = [f"<h3>Papers per {name}</h3>{overall}"]
    for entity_type in ENTITY_TYPES:
        frame = analytics.trends(network, freq=freq, type=entity_type, top=lines)
        if frame.shape[1] == 0:
            continue
        if len(frame.index) == 1:
            blocks.append(f"<h3>{_e(entity_type)}</h3>" + bar_chart(
                [(str(c), int(frame[c].iloc[0])) for c in frame.columns], colour=TYPE_COLOURS[entity_type]))
        else:
            blocks.append(f"<h3>{_e(entity_type)}: papers per {name}</h3>{line_chart(frame)}")
    return "<h2>Trends</h2>" + note + "".join(blocks)


def _cooccurrence_section(network: nx.Graph, top: int) -> str:
    blocks = []
    for type_a, type_b in COOCCURRENCE_PAIRS:
        table = analytics.cooccurrence(network, type_a, type_b, top=top)
        if table.empty:
            continue
        pairs = analytics.cooccurrence_pairs(network, type_a, type_b).head(top)
        shown = pairs[["a_label", "b_label", "papers"]].rename(columns={"a_label": type_a, "b_label": type_b})
        blocks.append(f"<div><h3>{_e(type_a)} × {_e(type_b)}</h3>"
                      f"{heatmap(table, colour=TYPE_COLOURS[type_b])}{_table(shown, ['papers'])}</div>")
    if not blocks:
        return "<h2>Co-occurrence</h2><p>No paper names two entities of the compared types.</p>"
    return ('<h2>Co-occurrence</h2><p class="note">Papers naming both entities (most frequent pairs).</p>'
            f'<div class="grid">{"".join(blocks)}</div>')


def _communities_section(network: nx.Graph, top: int) -> str:
    membership = analytics.communities(network, nodes="entities")
    table = analytics.community_table(network, membership, top=6)
    table = table[table["entities"] > 1].head(top)
    if table.empty:
        return "<h2>Communities</h2><p>No entities co-occur.</p>"
    shown = table[["community", "entities", "top_entities"]].rename(columns={"top_entities": "most named entities"})
    return ('<h2>Communities</h2><p class="note">Groups of entities often named together '
            "(Louvain on the co-occurrence graph, fixed seed).</p>" + _table(shown, ["community", "entities"]))


# --------------------------------------------------------------------------- the page


def to_report(graph: KnowledgeGraph, *, title: str = "kg report", top: int = 10,
              explorer: str | None = None) -> str:
    """Render the summary page of ``graph`` as one self-contained HTML document.

    Parameters
    ----------
    graph
        The knowledge graph.
    title
        Page title and heading.
    top
        Entities per type, and rows/columns of co-occurrence tables, to show.
    explorer
        Relative link to the interactive explorer (``index.html``), if there is one.

    Returns
    -------
    str
        The HTML page: inline SVG charts, no script, nothing loaded from the network.
    """
    network = graph.to_networkx()
    papers = sum(1 for _, k in network.nodes(data="kind") if k == "Paper")
    entities = network.number_of_nodes() - papers
    summary = (f"{papers} papers, {entities} entities, {network.number_of_edges()} paper–entity links, "
               f"{len(graph.mentions)} mentions.")
    link = f' <a href="{_e(explorer)}">Open the interactive explorer</a>.' if explorer else ""
    body = "".join([
        f"<h1>{_e(title)}</h1><p class=\"summary\">{_e(summary)}{link}</p>",
        _counts_section(network),
        _top_section(network, top),
        _trends_section(network),
        _cooccurrence_section(network, top),
        _communities_section(network, top),
    ])
    style_hash = base64.b64encode(hashlib.sha256(_STYLE.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'sha256-{style_hash}'; img-src data:; base-uri 'none'; form-action 'none'"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>\n")


def write_report(graph: KnowledgeGraph, out_dir: str | Path, *, title: str = "kg report", top: int = 10) -> Path:
    """Write :func:`to_report` to ``out_dir/report.html`` atomically and return its path.

    The page links to the explorer when ``out_dir/index.html`` exists.

    Examples
    --------
    >>> import tempfile
    >>> from kg.graph import KnowledgeGraph
    >>> write_report(KnowledgeGraph.example(), tempfile.mkdtemp()).name
    'report.html'
    """
    from kg.atomic import write_atomic

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    explorer = "index.html" if (out / "index.html").is_file() else None
    return write_atomic(out / REPORT_FILE, to_report(graph, title=title, top=top, explorer=explorer))
