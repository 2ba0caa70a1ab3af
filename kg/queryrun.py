"""Resolving what a user passes as a query (text, a ``.rq`` file, a named query) and running it with a time limit."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any


def resolve_query(query: str, params: dict[str, str] | None = None) -> str:
    """Return SPARQL text for ``query``: a ``.rq`` file, the name of a named query, or SPARQL itself.

    Named queries take ``params``; SPARQL text and files take none.
    """
    params = params or {}
    candidate = Path(query)
    if query.endswith(".rq") or (len(query) < 300 and "\n" not in query and candidate.is_file()):
        try:
            text = candidate.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ValueError(f"{query}: cannot read query file: {exc.strerror or exc}") from None
        return _render_if_parameterised(text, params, query)
    if _looks_like_name(query):
        from kg.queries import load_query, render

        return render(load_query(query), params)
    if params:
        raise ValueError("--param applies to named queries only")
    return query


def _looks_like_name(query: str) -> bool:
    return bool(query) and all(c.isalnum() or c in "-_" for c in query)


def _render_if_parameterised(text: str, params: dict[str, str], name: str) -> str:
    if not params:
        return text
    from kg.queries import NamedQuery, render

    return render(NamedQuery.from_text(Path(name).stem, text), params)


def run_with_timeout(graph: Any, query: str, timeout: float) -> Any:
    """Run ``graph.sparql(query)`` in a worker thread; raise TimeoutError after ``timeout`` seconds.

    The store cannot interrupt a running query, so a timed-out query is abandoned in a
    daemon thread; the command line exits right after, which ends it.
    """
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = graph.sparql(query)
        except BaseException as exc:  # handed back to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(query)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
