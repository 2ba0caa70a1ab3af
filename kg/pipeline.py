"""The build pipeline: load → extract → link → graph. The CLI and the library both call this."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.load import iter_papers, merge_papers
from kg.model import Paper, PaperExtraction, ReadProblem

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph
    from kg.link import LinkedCorpus

#: Abstracts longer than this are read only up to here by the extractor (the graph keeps them whole).
MAX_EXTRACT_CHARS = 100_000
#: Fresh extraction results are written to the cache in transactions of this many papers.
CACHE_WRITE_BATCH = 500

Sources = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


@dataclass
class BuildReport:
    """What a build read, kept and skipped."""

    records: int = 0
    papers: int = 0
    problems: list[ReadProblem] = field(default_factory=list)
    entity_types: Counter[str] = field(default_factory=Counter)
    links: int = 0
    mentions: int = 0
    triples: int = 0
    cached: int = 0  # papers whose extraction came from the cache
    extracted: int = 0  # papers extracted in this build
    store_update: dict[str, int] = field(default_factory=dict)  # units rewritten by an incremental store update
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage

    def summary(self) -> str:
        types = ", ".join(f"{n} {t}" for t, n in sorted(self.entity_types.items())) or "none"
        return (
            f"{self.records} records read, {self.papers} unique papers, {len(self.problems)} problems; "
            f"{sum(self.entity_types.values())} entities ({types}); {self.links} links, "
            f"{self.mentions} mentions, {self.triples} triples"
            + (f"; {self.cached} extractions from cache" if self.cached else "")
        )


def as_paths(sources: Sources) -> list[str]:
    """Accept one path or many."""
    if isinstance(sources, str | os.PathLike):
        return [os.fspath(sources)]
    return [os.fspath(s) for s in sources]


def read_corpus(
    sources: Sources,
    *,
    fmt: str | None = None,
    columns: Mapping[str, str] | None = None,
    report: BuildReport | None = None,
    on_problem: Callable[[ReadProblem], None] | None = None,
) -> dict[str, Paper]:
    """Read and merge every paper of ``sources``; problems go to ``report`` and ``on_problem``."""
    report = report if report is not None else BuildReport()

    def problem(p: ReadProblem) -> None:
        report.problems.append(p)
        if on_problem is not None:
            on_problem(p)

    def counted(papers: Iterator[Paper]) -> Iterator[Paper]:
        for paper in papers:
            report.records += 1
            yield paper

    papers = merge_papers(counted(iter_papers(as_paths(sources), fmt, on_problem=problem, columns=columns)),
                          on_problem=problem)
    report.papers = len(papers)
    return papers


def for_extraction(paper: Paper) -> Paper:
    """The paper as the extractor sees it: a huge abstract is cut (offsets stay valid: a prefix)."""
    if len(paper.abstract) > MAX_EXTRACT_CHARS:
        return dataclasses.replace(paper, abstract=paper.abstract[:MAX_EXTRACT_CHARS])
    return paper


def _encoded_extractions(
    papers: Sequence[Paper], *, profile: str, jobs: int, batch_size: int, dask: str | None,
) -> Iterator[bytes]:
    """The encoded entities of each of ``papers`` (in order), extracted locally or on Dask."""
    if not papers:
        return
    if dask:
        from kg.distributed import extract_on_dask

        yield from extract_on_dask(papers, profile=profile, address=dask, batch_size=batch_size)
        return
    from kg.cache import encode_entities
    from kg.extraction import Extractor

    for x in Extractor(profile).extract(papers, jobs=jobs, batch_size=batch_size):
        yield encode_entities(x.entities)


def extract_papers(
    papers: Iterable[Paper],
    *,
    profile: str = "accurate",
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    dask: str | None = None,
    batch_size: int = 64,
    report: BuildReport | None = None,
) -> Iterator[PaperExtraction]:
    """Run the extractor over ``papers``, calling ``progress(n_done)`` as it goes.

    Parameters
    ----------
    papers
        Papers to extract, yielded back in this order.
    profile
        ``accurate`` or ``fast``.
    jobs
        Local extraction processes (ignored with ``dask``).
    progress
        Called as ``progress(n_done)``.
    cache_dir
        A directory holding the per-paper extraction cache (:mod:`kg.cache`): papers
        whose text, profile and extractor version are cached are not extracted again,
        and new results are added.
    dask
        ``local`` or a Dask scheduler address: extract on that cluster (:mod:`kg.distributed`).
    batch_size
        spaCy batch size.
    report
        Receives ``cached`` and ``extracted`` counts.

    Yields
    ------
    PaperExtraction
        Built from the compact encoding (:func:`kg.cache.decode_entities`) whether
        fresh or cached, so a cached rebuild yields identical records, and every mention
        of one sentence shares one string.
    """
    from kg.cache import ExtractionCache, content_key, decode_entities
    from kg.extraction import EXTRACTOR_VERSION

    todo = [for_extraction(p) for p in papers]
    cache = ExtractionCache(cache_dir, EXTRACTOR_VERSION) if cache_dir is not None else None
    try:
        keys = [content_key(p.title, p.abstract, EXTRACTOR_VERSION, profile) for p in todo]
        held = cache.keys() if cache is not None else set()
        missing = [p for p, k in zip(todo, keys) if k not in held]
        if report is not None:
            report.cached = len(todo) - len(missing)
            report.extracted = len(missing)
        fresh = _encoded_extractions(missing, profile=profile, jobs=jobs, batch_size=batch_size, dask=dask)
        cached = cache.get_many(k for k in keys if k in held) if cache is not None else iter(())
        pending: list[tuple[bytes, bytes]] = []
        for done, (paper, key) in enumerate(zip(todo, keys), start=1):
            if key in held:
                data = next(cached)
            else:
                data = next(fresh)
                if cache is not None:
                    pending.append((key, data))
                    if len(pending) >= CACHE_WRITE_BATCH:
                        cache.put_many(pending)
                        pending.clear()
            if progress is not None:
                progress(done)
            yield PaperExtraction(paper=paper, entities=decode_entities(data))
        if cache is not None and pending:
            cache.put_many(pending)
    finally:
        if cache is not None:
            cache.close()


def build(
    sources: Sources,
    *,
    fmt: str | None = None,
    columns: Mapping[str, str] | None = None,
    profile: str = "accurate",
    jobs: int = 1,
    overrides: str | Path | None = None,
    on_problem: Callable[[ReadProblem], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    dask: str | None = None,
    batch_size: int = 64,
    store_path: str | os.PathLike[str] | None = None,
    incremental: bool | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> KnowledgeGraph:
    """Build a :class:`~kg.graph.KnowledgeGraph` from paper files.

    Parameters
    ----------
    sources
        A path or paths: files, folders (read recursively), ``.gz`` files, or ``-`` for stdin.
    fmt
        Force a reader: ``hf``, ``json``, ``jsonl``, ``csv``, ``tsv`` or ``atom``.
    columns
        CSV column mapping ``{our field: their column}``.
    profile
        ``accurate`` (default) or ``fast`` extraction.
    jobs
        Extraction processes.
    overrides
        A file of forced merges and splits (see :mod:`kg.link`).
    on_problem
        Called for each bad record (reported, counted and skipped).
    progress
        Called as ``progress(done, total)`` during extraction.
    cache_dir
        Directory of the per-paper extraction cache (:mod:`kg.cache`); None for no
        cache. ``kg build`` uses ``OUT/.kg-cache``. A rebuild extracts only papers
        whose title, abstract, profile or extractor version changed.
    dask
        ``local`` (a cluster on this machine) or a Dask scheduler address such as
        ``tcp://host:8786``: extraction runs on that cluster (:mod:`kg.distributed`);
        linking stays here, so the graph is the same as a local build's.
    batch_size
        spaCy batch size.
    store_path
        Keep the graph's store on disk in this folder. A corpus of more than
        :data:`LARGE_CORPUS_PAPERS` papers gets a temporary on-disk store anyway, so a
        75K-paper build does not hold millions of triples in memory.
    incremental
        Keep the store on disk in ``cache_dir`` and, on the next build, update it in place:
        only the papers, entities and links that changed are rewritten, so adding 100
        papers to 75K costs seconds instead of a refill (:mod:`kg.incremental`). Default:
        on when ``cache_dir`` is given, ``store_path`` is not, and the corpus has more than
        :data:`LARGE_CORPUS_PAPERS` papers. Needs ``cache_dir``; ignores ``store_path``.
    on_stage
        Called with a short description as each stage after extraction starts (minutes
        each on a large corpus: the user sees what the build is doing).

    Returns
    -------
    KnowledgeGraph
        With ``.report`` (a :class:`BuildReport`) attached.

    Examples
    --------
    >>> import kg
    >>> g = kg.build("tests/data/tiny.jsonl")  # doctest: +SKIP
    """
    from kg.link import link

    report = BuildReport()
    clock = _Clock(report)
    with young_gc_only():
        papers = read_corpus(sources, fmt=fmt, columns=columns, report=report, on_problem=on_problem)
        clock.lap("read")
        total = len(papers)
        extractions = extract_papers(
            papers.values(), profile=profile, jobs=jobs, cache_dir=cache_dir, dask=dask, batch_size=batch_size,
            report=report, progress=(lambda done: progress(done, total)) if progress else None,
        )
        # extraction streams into linking: only linking's compact records are held, never all extractions
        linked = link(_then(extractions, on_stage, f"linking the entities of {total:,} papers"),
                      Path(overrides) if overrides else None)
        clock.lap("extract+link")
        if on_stage is not None:
            on_stage(f"building the graph of {len(linked.entities):,} entities and {len(linked.links):,} links")
        if incremental is None:  # a store_path asked for is honoured: the kept store lives in the cache
            incremental = cache_dir is not None and store_path is None and len(papers) > LARGE_CORPUS_PAPERS
        if incremental and cache_dir is None:
            raise ValueError("an incremental build needs a cache_dir to keep its store in")
        graph = graph_from_linked(papers, linked, report, store_path=store_path,
                                  incremental_dir=cache_dir if incremental else None)
        clock.lap("graph")
    # what KnowledgeGraph.add needs to extend this graph the way it was built
    graph._profile = profile
    graph._overrides = Path(overrides) if overrides else None
    graph._cache_dir = cache_dir
    graph._incremental_dir = cache_dir if incremental and not report.store_update.get("store_in_use") else None
    return graph


def _then(items: Iterable[PaperExtraction], on_stage: Callable[[str], None] | None, message: str
          ) -> Iterator[PaperExtraction]:
    """``items``, then ``on_stage(message)`` once they are exhausted."""
    yield from items
    if on_stage is not None:
        on_stage(message)


@contextlib.contextmanager
def young_gc_only() -> Iterator[None]:
    """Run only Python's young-generation collections during a build: no full collections.

    A build holds millions of long-lived records (papers, mentions, links). Every automatic
    full collection walks all of them again, which nearly doubled the time of linking 75K
    papers (42 s against 26 s). Young collections still run as usual and free the extractor's
    cyclic garbage; their survivors are promoted to the old generation, which is not walked
    until the build ends. (A threshold, not ``gc.disable()``: loading the spaCy model calls
    ``gc.enable()`` inside srsly, which would silently end a pause.)
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], _NO_FULL_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


#: A third-generation threshold no build reaches.
_NO_FULL_COLLECTIONS = 2**31 - 1


def graph_from_linked(
    papers: Mapping[str, Paper],
    linked: LinkedCorpus,
    report: BuildReport,
    *,
    store_path: str | os.PathLike[str] | None = None,
    incremental_dir: str | os.PathLike[str] | None = None,
    store: Any = None,
) -> KnowledgeGraph:
    """Fill a graph with linked papers and complete ``report``: the shared tail of a build and of ``add``.

    A corpus of more than :data:`LARGE_CORPUS_PAPERS` papers gets an on-disk store when no
    ``store_path`` is given. With ``incremental_dir``, the store kept there by the last build
    is updated in place (:func:`kg.incremental.fill_store`): only changed parts are rewritten;
    ``store`` is that store when the caller already holds it open.
    """
    from kg.extraction import EXTRACTOR_VERSION
    from kg.graph import KnowledgeGraph

    graph = None
    if incremental_dir is not None:
        from kg.incremental import StoreInUse, fill_store

        try:
            kept, report.store_update = fill_store(incremental_dir, papers, linked.entities, linked.links,
                                                   EXTRACTOR_VERSION, store=store)
            graph = KnowledgeGraph(kept, extractor_version=EXTRACTOR_VERSION)
        except StoreInUse as exc:  # e.g. the last build's graph is still held: build this one apart, touch nothing
            import warnings

            warnings.warn(f"{exc}: this graph is built apart, not incrementally (drop the other graph "
                          "that holds the store, or use its .add())", RuntimeWarning, stacklevel=3)
            report.store_update = {"full": 1, "deleted_units": 0, "inserted_units": 0, "store_in_use": 1}
    if graph is None:
        if store_path is None and len(papers) > LARGE_CORPUS_PAPERS:
            store_path = _temporary_store()
        graph = KnowledgeGraph.from_corpus(papers, linked.entities, linked.links, EXTRACTOR_VERSION,
                                           store_path=store_path)
    report.triples = report.store_update.get("triples") or len(graph)
    graph.keep_records(papers, linked.entities, linked.links, size=report.triples)
    graph.linked = linked  # the co-occurrence counts come from it when first asked for
    report.entity_types = Counter(e.type for e in linked.entities.values())
    report.links = len(linked.links)
    report.mentions = sum(len(l.mentions) for l in linked.links)
    graph.report = report
    graph.problems = report.problems
    return graph


#: Corpora larger than this get an on-disk store (see ``build``).
LARGE_CORPUS_PAPERS = 20_000


def _temporary_store() -> Path:
    """A temporary folder for an on-disk store, removed when the process exits."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="kg-store-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


class _Clock:
    """Records the wall time of each build stage into ``report.seconds``."""

    def __init__(self, report: BuildReport) -> None:
        self.report = report
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.report.seconds[stage] = round(now - self.last, 3)
        self.last = now
