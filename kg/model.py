"""The data model shared by every stage: papers, mentions and extracted entities.

All records are small frozen dataclasses so they hash, compare and pickle cheaply
(they cross process boundaries in parallel extraction).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Entity types of the extraction contract (GUIDELINE.md), in display order.
ENTITY_TYPES: tuple[str, ...] = ("Method", "Model", "Dataset", "Benchmark", "Task", "Metric")
#: Roles of the extraction contract.
ROLES: tuple[str, ...] = ("proposed", "used")
#: Fields of a paper that mentions can point into.
FIELDS: tuple[str, ...] = ("title", "abstract")


@dataclass(frozen=True)
class Paper:
    """One paper as read from any source.

    ``key`` is the identity used to merge duplicates: ``arxiv:<id>`` (version
    stripped), else ``doi:<doi>``, else ``title:<hash of normalised title>``.
    ``input_id`` is the id the input itself gave (kept for the extract contract).
    ``date`` is ISO 8601: ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or, when a listing
    gave no year, the month-day form ``--MM-DD`` (never an invented year).
    """

    key: str
    title: str
    abstract: str = ""
    input_id: str | None = None
    authors: tuple[str, ...] = ()
    author_count: int | None = None
    date: str | None = None
    upvotes: int | None = None
    organisation: str | None = None
    url: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # "path:line" or "path#record" of every listing

    @property
    def id(self) -> str:
        """The id shown to users: the input's own id when it had one, else the key."""
        return self.input_id or self.key

    def text(self, field_name: str) -> str:
        """Return the text of ``field_name`` (``title`` or ``abstract``)."""
        if field_name == "title":
            return self.title
        if field_name == "abstract":
            return self.abstract
        raise ValueError(f"unknown field {field_name!r}")


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity name in a paper's title or abstract.

    ``start``/``end`` are character offsets into that field's text, so
    ``paper.text(field)[start:end] == text``. ``sentence`` is the sentence holding
    the mention and ``sentence_start`` its offset in the same field.
    """

    field: str
    start: int
    end: int
    text: str
    sentence: str = ""
    sentence_start: int = 0


@dataclass(frozen=True)
class ExtractedEntity:
    """One distinct entity named by one paper (the unit of the extract contract)."""

    name: str
    type: str
    role: str = "used"
    confidence: float = 0.5
    aliases: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    source: str = ""  # which rule or component found it, for debugging and review


@dataclass(frozen=True)
class PaperExtraction:
    """Everything extracted from one paper."""

    paper: Paper
    entities: tuple[ExtractedEntity, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReadProblem:
    """A record that could not be read; reported, counted and skipped."""

    path: str
    location: str  # "line 12", "record 3", "row 7", "entry 2"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.location}: {self.message}"


@dataclass(frozen=True)
class CanonicalEntity:
    """One entity node of the graph, after merging names across the corpus.

    ``key`` is ``<type lower-case>/<slug>`` (for example ``model/llama-2``): stable
    across rebuilds and input order, safe for an IRI path. ``variant_of`` is the
    key of the entity this one is a version or size of (``Llama-2 7B`` of ``Llama-2``).
    ``evidence`` says, for reviewers, why each alias was merged.
    """

    key: str
    type: str
    label: str
    aliases: tuple[str, ...] = ()
    variant_of: str | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    """One paper → canonical entity link with the mentions that support it."""

    paper_key: str
    entity_key: str
    name: str  # the name as this paper gives it
    role: str
    confidence: float
    mentions: tuple[Mention, ...] = ()
