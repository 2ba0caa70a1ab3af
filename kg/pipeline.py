"""The build pipeline: load → extract → link → graph. The CLI and the library both call this."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kg.load import iter_papers, merge_papers
from kg.model import Paper, PaperExtraction, ReadProblem

#: Abstracts longer than this are read only up to here by the extractor (the graph keeps them whole).
MAX_EXTRACT_CHARS = 100_000

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

    def summary(self) -> str:
        types = ", ".join(f"{n} {t}" for t, n in sorted(self.entity_types.items())) or "none"
        return (
            f"{self.records} records read, {self.papers} unique papers, {len(self.problems)} problems; "
            f"{sum(self.entity_types.values())} entities ({types}); {self.links} links, "
            f"{self.mentions} mentions, {self.triples} triples"
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


def extract_papers(
    papers: Iterable[Paper],
    *,
    profile: str = "accurate",
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Iterator[PaperExtraction]:
    """Run the extractor over ``papers``, calling ``progress(n_done)`` as it goes."""
    from kg.extract import Extractor

    extractor = Extractor(profile)
    for done, extraction in enumerate(extractor.extract((for_extraction(p) for p in papers), jobs=jobs), start=1):
        if progress is not None:
            progress(done)
        yield extraction


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
):
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

    Returns
    -------
    KnowledgeGraph
        With ``.report`` (a :class:`BuildReport`) attached.

    Examples
    --------
    >>> import kg
    >>> g = kg.build("tests/data/tiny.jsonl")  # doctest: +SKIP
    """
    from kg.extract import EXTRACTOR_VERSION
    from kg.graph import KnowledgeGraph
    from kg.link import cooccurrence, link

    report = BuildReport()
    papers = read_corpus(sources, fmt=fmt, columns=columns, report=report, on_problem=on_problem)
    total = len(papers)
    extractions = extract_papers(
        papers.values(), profile=profile, jobs=jobs,
        progress=(lambda done: progress(done, total)) if progress else None,
    )
    linked = link(extractions, Path(overrides) if overrides else None)
    graph = KnowledgeGraph.from_corpus(papers, linked.entities, linked.links, EXTRACTOR_VERSION)
    graph.cooccurrence = cooccurrence(linked)
    graph.linked = linked
    report.entity_types = Counter(e.type for e in linked.entities.values())
    report.links = len(linked.links)
    report.mentions = sum(len(l.mentions) for l in linked.links)
    report.triples = len(graph)
    graph.report = report
    graph.problems = report.problems
    return graph
