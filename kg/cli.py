"""The ``kg`` command line: each command parses its arguments and calls the library."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from kg.load import FORMATS, InputError
from kg.model import ReadProblem

#: How many problems are printed one by one before the rest are only counted.
SHOWN_PROBLEMS = 20


class _Problems:
    """Prints the first problems to stderr and counts the rest."""

    def __init__(self, quiet: bool = False) -> None:
        self.count = 0
        self.quiet = quiet

    def __call__(self, problem: ReadProblem) -> None:
        self.count += 1
        if not self.quiet and self.count <= SHOWN_PROBLEMS:
            click.echo(f"warning: {problem}", err=True)
        elif not self.quiet and self.count == SHOWN_PROBLEMS + 1:
            click.echo("warning: more problems follow; only counted from here", err=True)


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"kg: error: {message}", err=True)
    sys.exit(code)


def _parse_columns(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    mapping = {}
    for part in value.split(","):
        ours, sep, theirs = part.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise click.BadParameter(f"expected FIELD=COLUMN pairs, got {part!r}", param_hint="--columns")
        mapping[ours.strip()] = theirs.strip()
    return mapping


def _progress(quiet: bool):
    state = {"last": 0.0, "start": time.monotonic()}

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if quiet or total < 200:
            return
        if done == total or now - state["last"] >= 2.0:
            state["last"] = now
            rate = done / max(now - state["start"], 1e-9)
            line = f"extracting: {done}/{total} papers ({rate:.0f}/s)"
            if sys.stderr.isatty():
                click.echo(f"\r{line}", err=True, nl=done == total)
            else:
                click.echo(line, err=True)

    return show


def _stages(quiet: bool, started: float):
    """Tell the user, on stderr, which stage a long build is in and when it began."""

    def show(message: str) -> None:
        if not quiet:
            click.echo(f"[{time.monotonic() - started:6.1f} s] {message}", err=True)

    return show


input_args = click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
format_opt = click.option("--format", "fmt", type=click.Choice(FORMATS), help="Force a reader instead of guessing.")
columns_opt = click.option("--columns", help="CSV/TSV column mapping, e.g. 'title=Title,abstract=Summary'.")
profile_opt = click.option("--profile", type=click.Choice(["accurate", "fast"]), default="accurate",
                           show_default=True, help="Extraction profile.")
jobs_opt = click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
                        help="Extraction processes.")


class _Group(click.Group):
    """Ctrl-C ends any command with one line and status 130 (128 + SIGINT), never a traceback.

    Exports are written atomically, so an interrupted build leaves the previous ones intact.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("kg: interrupted; files already in place are complete, the rest unchanged", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
def main() -> None:
    """Build knowledge graphs of ML methods, models, datasets and benchmarks from paper abstracts."""


@main.command()
@input_args
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder for graph.ttl, index.html and the CSV tables.")
@format_opt
@columns_opt
@profile_opt
@jobs_opt
@click.option("--overrides", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="File of forced merges and splits (see `kg entities --help`).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Extraction cache folder (default: OUT/.kg-cache); unchanged papers are not extracted again.")
@click.option("--no-cache", is_flag=True, help="Extract every paper again; neither read nor write the cache.")
@click.option("--dask", metavar="ADDRESS", default=None,
              help="Extract on a Dask cluster: 'local' or a scheduler address such as tcp://host:8786.")
@click.option("--incremental/--no-incremental", default=None,
              help="Keep the store in the cache folder and update only what changed on the next build "
                   "(default: on above 20,000 papers, when the cache is used).")
@click.option("--no-html", is_flag=True, help="Skip the HTML explorer.")
@click.option("--formats", default="ttl,csv,html", show_default=True,
              help="Comma-separated exports: ttl, csv, html, nt (N-Triples), jsonld, graphml; or 'all'.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
def build(inputs: tuple[str, ...], out_dir: Path, fmt: str | None, columns: str | None, profile: str, jobs: int,
          overrides: Path | None, cache_dir: Path | None, no_cache: bool, dask: str | None, incremental: bool | None,
          no_html: bool, formats: str, quiet: bool) -> None:
    """Read papers from INPUT files or folders and write the knowledge graph to OUT.

    INPUT may be Hugging Face daily-papers pages saved as text, JSON or JSONL (arXiv
    snapshot layout included), CSV/TSV, or arXiv API Atom XML; folders and .gz files
    expand, and '-' reads standard input.
    """
    from kg.pipeline import build as build_graph

    from kg.export import FORMATS

    if incremental and no_cache:
        raise click.UsageError("--incremental keeps the store in the cache folder: it cannot go with --no-cache")
    chosen = list(FORMATS) if formats.strip() == "all" else [f.strip() for f in formats.split(",") if f.strip()]
    if not set(chosen) <= set(FORMATS):
        raise click.BadParameter(f"choose from {', '.join(FORMATS)} or 'all'", param_hint="--formats")
    problems = _Problems(quiet)
    started = time.monotonic()
    stage = _stages(quiet, started)
    try:
        graph = build_graph(list(inputs), fmt=fmt, columns=_parse_columns(columns), profile=profile, jobs=jobs,
                            overrides=overrides, on_problem=problems, progress=_progress(quiet),
                            cache_dir=None if no_cache else (cache_dir or out_dir / ".kg-cache"), dask=dask,
                            incremental=False if no_cache else incremental, on_stage=stage)
        written = graph.save(out_dir, html=not no_html, formats=chosen, on_stage=stage)
    except InputError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{getattr(exc, 'filename', '') or out_dir}: {exc.strerror or exc}")
    click.echo(graph.report.summary())
    click.echo(f"wrote {len(written)} files to {out_dir} in {time.monotonic() - started:.1f} s")


@main.command()
@input_args
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here instead of standard output.")
@format_opt
@columns_opt
@profile_opt
@jobs_opt
@click.option("-q", "--quiet", is_flag=True, help="No warnings on stderr.")
def extract(inputs: tuple[str, ...], out_file: Path | None, fmt: str | None, columns: str | None, profile: str,
            jobs: int, quiet: bool) -> None:
    """Extract entities from each paper and print the JSON list of the extraction contract.

    One object per paper: {"id", "title", "entities": [{"name", "aliases", "type",
    "role", "confidence", "mentions": [{"field", "start", "end", "text"}]}]}.
    """
    from kg.extraction import to_contract
    from kg.pipeline import extract_papers, read_corpus

    problems = _Problems(quiet)
    show = _progress(quiet)  # one clock for the whole run: it paces the lines and measures the rate
    try:
        papers = read_corpus(list(inputs), fmt=fmt, columns=_parse_columns(columns), on_problem=problems)
        records = [to_contract(x) for x in extract_papers(papers.values(), profile=profile, jobs=jobs,
                                                           progress=lambda n: show(n, len(papers)))]
    except InputError as exc:
        _fail(str(exc))
    text = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    if out_file is None:
        click.echo(text, nl=False)
    else:
        from kg.atomic import write_atomic

        try:
            write_atomic(out_file, text)
        except OSError as exc:
            _fail(f"{getattr(exc, 'filename', '') or out_file}: {exc.strerror or exc}")
        if not quiet:
            click.echo(f"wrote {len(records)} papers to {out_file}", err=True)


@main.command()
@click.option("--gold", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Gold annotations (JSON list, GUIDELINE.md format).")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, path_type=Path))
@profile_opt
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--errors", "show_errors", is_flag=True,
              help="Also list every false positive, miss, wrong type and wrong role, for review.")
def evaluate(gold: Path, input_path: Path, profile: str, as_json: bool, show_errors: bool) -> None:
    """Score extraction against gold annotations: strict, grouped and untyped P/R/F1.

    INPUT is either papers to extract from (any reader format) or predictions already
    in the extraction contract (a JSON list whose objects have "entities").
    """
    from kg.evaluate import evaluate as score
    from kg.evaluate import format_report
    from kg.extraction import to_contract
    from kg.pipeline import extract_papers, read_corpus

    gold_records = _read_json_list(gold)
    predicted = _contract_records(input_path)
    if predicted is None:
        try:
            papers = read_corpus([input_path], on_problem=_Problems())
        except InputError as exc:
            _fail(str(exc))
        predicted = [to_contract(x) for x in extract_papers(papers.values(), profile=profile)]
    try:
        report = score(gold_records, predicted)
    except ValueError as exc:
        _fail(f"{gold if 'gold' in str(exc).lower() else input_path}: {str(exc).splitlines()[0]}")
    if as_json:
        click.echo(json.dumps(report, indent=1, sort_keys=True))
        return
    click.echo(format_report(report))
    if show_errors:
        click.echo("\nerrors")
        for error in report.get("errors", []):
            details = ", ".join(f"{k}={v}" for k, v in error.items() if k not in ("id", "kind"))
            click.echo(f"  {error['id']:12} {error['kind']:16} {details}")


def _read_json_list(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read: {exc}")
    except json.JSONDecodeError as exc:
        _fail(f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        _fail(f"{path}: expected a JSON list of objects")
    return data


def _contract_records(path: Path) -> list[dict[str, Any]] | None:
    """The file's records when it already holds predictions (objects with "entities"), else None."""
    if path.suffix.lower() != ".json":
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(data, list) and data and all(isinstance(r, dict) and "entities" in r for r in data):
        return data
    return None


@main.command()
@click.argument("graph_path", metavar="GRAPH", type=click.Path(exists=True, path_type=Path))
@click.argument("query")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Parameter of a named query (repeatable).")
@click.option("--output", "-f", "output", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Result format.")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Give up after this many seconds.")
def query(graph_path: Path, query: str, params: tuple[str, ...], output: str, timeout: float) -> None:
    """Run a SPARQL query on GRAPH (an export folder or RDF file).

    QUERY is SPARQL text, a .rq file, or the name of a named query (see `kg queries`).
    Updates are refused: the graph is read-only.
    """
    from kg.queryrun import resolve_query, run_with_timeout

    try:
        text = resolve_query(query, dict(_split_param(p) for p in params))
    except (KeyError, ValueError) as exc:
        _fail(str(exc).strip("'\""))
    graph = _load_graph(graph_path)
    try:
        result = run_with_timeout(graph, text, timeout)
    except PermissionError as exc:
        _fail(str(exc))
    except TimeoutError:
        _fail(f"query ran longer than {timeout:g} s and was stopped")
    except SyntaxError as exc:
        _fail(f"invalid SPARQL: {str(exc).splitlines()[0]}")
    _print_result(result, output)


@main.command()
@click.option("--names-only", is_flag=True, help="Print only the query names.")
def queries(names_only: bool) -> None:
    """List the named queries of ontology/queries and their parameters.

    Run one with `kg query GRAPH NAME -p PARAM=VALUE`.
    """
    from kg.queries import list_queries

    for named in list_queries():
        if names_only:
            click.echo(named.name)
            continue
        params = " ".join(f"{p.name}={p.default}" if p.default is not None else f"{p.name}=..." for p in named.parameters)
        click.echo(f"{named.name:24} {named.title}" + (f"   [{params}]" if params else ""))


@main.command()
@click.argument("graph_path", metavar="GRAPH", type=click.Path(exists=True, path_type=Path))
@click.option("--type", "entity_type", type=click.Choice(["Method", "Model", "Dataset", "Benchmark", "Task", "Metric"]),
              help="Only entities of this type.")
@click.option("--search", help="Only entities whose label or an alias contains this text (case-insensitive).")
@click.option("--merged", is_flag=True, help="Only entities that merged several names, with the evidence.")
@click.option("--output", "-f", "output", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Result format.")
def entities(graph_path: Path, entity_type: str | None, search: str | None, merged: bool, output: str) -> None:
    """List the canonical entities of GRAPH with aliases, type, paper count and merge evidence.

    Use it to review merges. To correct them, keep a small overrides file and pass it to
    `kg build --overrides FILE`; later builds respect it. One directive per line, fields
    separated by TAB, '#' starts a comment:

    \b
      merge      NAME_A   NAME_B        force A and B into one node
      split      NAME_A   NAME_B        A and B are never one node
      sense      PAPER    ALIAS  NAME   in PAPER the bare ALIAS means NAME
      rename     NAME     LABEL         label of NAME's node
      type       NAME     TYPE          type of NAME's node
      variant    CHILD    PARENT        CHILD's node is a variant of PARENT's node
      novariant  NAME                   NAME's node is no variant of anything
      ignore     NAME                   drop every mention with this name
    """
    graph = _load_graph(graph_path)
    frame = graph.entities
    evidence = graph.sparql(
        'SELECT ?key (GROUP_CONCAT(?why; separator=" | ") AS ?evidence) '
        "WHERE { ?e kgo:key ?key ; kgo:mergeEvidence ?why } GROUP BY ?key"
    )
    frame = frame.merge(evidence, on="key", how="left")
    frame["evidence"] = frame["evidence"].fillna("")
    if entity_type:
        frame = frame[frame["type"] == entity_type]
    if search:
        needle = search.casefold()
        frame = frame[[needle in f"{label}|{aliases}".casefold() for label, aliases in zip(frame["label"], frame["aliases"])]]
    if merged:
        frame = frame[frame["evidence"] != ""]
    frame = frame.sort_values(["paper_count", "key"], ascending=[False, True])
    columns = ["key", "type", "label", "aliases", "paper_count", "variant_of", "evidence"]
    _print_result(frame[columns].reset_index(drop=True), output)


@main.command()
@click.argument("export_dir", metavar="DIR", type=click.Path(exists=True, path_type=Path))
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the default answers this machine only.")
@click.option("--timeout", "timeout_s", type=float, default=60.0, show_default=True,
              help="Longest time one query may run, in seconds.")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to keep the persistent store (default DIR/.oxigraph).")
def serve(export_dir: Path, port: int, host: str, timeout_s: float, store_dir: Path | None) -> None:
    """Serve the graph in DIR over the SPARQL 1.1 Protocol at /query, read-only.

    Runs the Oxigraph server on a persistent store loaded from DIR/graph.ttl (reused while
    the file is unchanged). Updates are refused. Stop with Ctrl-C.
    """
    from kg.serve import ServeError
    from kg.serve import serve as run_server

    def ready(server) -> None:
        click.echo(f"SPARQL endpoint: {server.query_url}  (read-only; Ctrl-C stops)")

    try:
        code = run_server(export_dir, host=host, port=port, store_dir=store_dir, timeout_s=timeout_s, on_ready=ready)
    except ServeError as exc:
        _fail(str(exc))
    sys.exit(0 if code in (0, -2, -15) else 1)


def _load_graph(graph_path: Path) -> Any:
    """The graph of an export folder or RDF file; one error line naming the file that failed."""
    from kg.graph import KnowledgeGraph

    shown = graph_path / "graph.ttl" if graph_path.is_dir() else graph_path
    try:
        return KnowledgeGraph.load(graph_path)
    except (OSError, SyntaxError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        _fail(f"{shown}: cannot load graph: {reason}")


def _split_param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"expected NAME=VALUE, got {text!r}", param_hint="--param")
    return name.strip(), value


def _print_result(result: Any, output: str) -> None:
    import pandas as pd

    if isinstance(result, bool):
        click.echo(json.dumps({"boolean": result}) if output == "json" else str(result).lower())
        return
    frame: pd.DataFrame = result
    if output == "csv":
        click.echo(frame.to_csv(index=False, lineterminator="\n"), nl=False)
    elif output == "json":
        click.echo(frame.to_json(orient="records", force_ascii=False, indent=1))
    else:
        with pd.option_context("display.max_rows", 500, "display.max_columns", 50, "display.width", 200,
                               "display.max_colwidth", 80):
            click.echo(frame.to_string(index=False) if len(frame) else "(no results)")


@main.command()
@click.argument("graph_path", metavar="GRAPH", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for report.html (default: GRAPH's folder, next to the explorer).")
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Entities per type, and co-occurrence rows and columns, to show.")
def report(graph_path: Path, out_dir: Path | None, top: int) -> None:
    """Write report.html for GRAPH (an export folder or RDF file): counts per type, top
    entities, trends over time, co-occurrence highlights and communities, with charts.
    """
    from kg.report import write_report

    graph = _load_graph(graph_path)
    target = out_dir or (graph_path if graph_path.is_dir() else graph_path.parent)
    try:
        path = write_report(graph, target, top=top)
    except OSError as exc:
        _fail(f"{getattr(exc, 'filename', '') or target}: {exc.strerror or exc}")
    click.echo(f"wrote {path}")


if __name__ == "__main__":  # pragma: no cover
    main()
