"""Readers: turn paper files of every common layout into :class:`~kg.model.Paper` records.

Every reader is a generator, so memory stays flat in corpus size. The format is
chosen by extension, then by content; ``fmt`` forces one. Directories and ``.gz``
files expand; ``-`` reads standard input.

Bad records are reported through the ``on_problem`` callback (file and line or
record number) and skipped; the rest of the file is still read. A file that cannot
be read at all raises :class:`InputError`, whose message is one line.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "p.jsonl").write_text('{"id": "2401.00001v2", "title": "A", "abstract": "B"}\\n')
>>> [p.key for p in iter_papers([d / "p.jsonl"])]
['arxiv:2401.00001']
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
import sys
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree

from kg.model import Paper, ReadProblem

#: Formats a user can force with ``--format``.
FORMATS: tuple[str, ...] = ("hf", "json", "jsonl", "csv", "tsv", "atom")

ProblemHandler = Callable[[ReadProblem], None]

_EXTENSIONS = {
    ".txt": "hf",
    ".text": "hf",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xml": "atom",
    ".atom": "atom",
}

_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x7fELF", b"GIF8", b"\xff\xd8\xff", b"BZh", b"\xfd7zXZ")

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"(?<![\w./-])([a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\b")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
# A lone surrogate (JSON "\ud800") cannot be encoded as UTF-8: every later stage would fail on it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


#: Lenient about raw control characters inside strings (a tab pasted into an abstract is
#: common in the wild): the record is kept and :func:`clean_text` drops them.
#: An integer too long for Python to convert (over 4,300 digits) becomes None instead of failing the record.
_JSON = json.JSONDecoder(strict=False, parse_int=lambda digits: int(digits) if len(digits) <= 4000 else None)


_WRAPPED_LIST = re.compile(r'"(?:papers|data|results|items|records)"\s*:\s*\[')


class InputError(Exception):
    """A whole input that cannot be read; the message is one line naming the file."""


# --------------------------------------------------------------------------- helpers


def clean_text(value: Any) -> str:
    """Return ``value`` as one-line-safe text: control characters dropped, whitespace collapsed.

    >>> clean_text("  Deep\\x00  learning\\n rocks ")
    'Deep learning rocks'
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    value = _SURROGATE.sub("\ufffd", value)
    value = unicodedata.normalize("NFC", value)
    value = _CONTROL.sub("", value)
    return " ".join(value.split())


def normalise_title(title: str) -> str:
    """Lower-case alphanumeric words of a title, used to recognise the same paper.

    >>> normalise_title("Attention Is  All You Need!")
    'attention is all you need'
    """
    folded = unicodedata.normalize("NFKD", title).casefold()
    return " ".join(re.findall(r"[^\W_]+", folded))


def arxiv_id_from(value: str | None) -> str | None:
    """Return the version-less arXiv id found in ``value`` (an id or URL), else None.

    >>> arxiv_id_from("http://arxiv.org/abs/2301.00001v3")
    '2301.00001'
    >>> arxiv_id_from("hep-th/9901001v1")
    'hep-th/9901001'
    >>> arxiv_id_from("d000") is None
    True
    """
    if not value:
        return None
    match = _ARXIV_NEW.search(value) or _ARXIV_OLD.search(value)
    return match.group(1) if match else None


def doi_from(value: str | None) -> str | None:
    """Return the lower-cased DOI found in ``value``, else None.

    >>> doi_from("https://doi.org/10.1145/3292500.3330701")
    '10.1145/3292500.3330701'
    """
    if not value:
        return None
    match = _DOI.search(value)
    return match.group(1).rstrip(".,;").lower() if match else None


def paper_key(arxiv_id: str | None, doi: str | None, title: str) -> str:
    """Identity of a paper: arXiv id, else DOI, else a hash of the normalised title."""
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    if doi:
        return f"doi:{doi}"
    digest = hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()[:16]
    return f"title:{digest}"


def normalise_date(value: Any) -> str | None:
    """Return an ISO 8601 date (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``) or month-day ``--MM-DD``.

    A date without a year stays a month-day: a year is never invented.

    >>> normalise_date("Nov 25, 2022"), normalise_date("Jul 22"), normalise_date("2023-06-01T17:59:59Z")
    ('2022-11-25', '--07-22', '2023-06-01')
    >>> normalise_date("Mon, 2 Apr 2007 19:18:42 GMT")
    '2007-04-02'
    """
    if value is None:
        return None
    text = clean_text(value)
    if not text:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if m and _valid(int(m.group(1)), int(m.group(2)), int(m.group(3))):
        return m.group(0)[:10]
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return text
    if re.fullmatch(r"\d{4}", text):
        return text
    m = re.fullmatch(r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})\b.*", text)
    if m:
        return _iso(m.group(3), m.group(2), m.group(1))
    m = re.fullmatch(r"([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?", text)
    if m:
        return _iso(m.group(3), m.group(1), m.group(2))
    return None


def _valid(year: int | None, month: int, day: int) -> bool:
    import datetime

    try:
        datetime.date(year or 2000, month, day)  # 2000 is a leap year: Feb 29 stays valid
    except ValueError:
        return False
    return True


def _iso(year: str | None, month_name: str, day: str) -> str | None:
    month = _MONTHS.get(month_name[:3].lower())
    if month is None or not _valid(int(year) if year else None, month, int(day)):
        return None
    if year:
        return f"{int(year):04d}-{month:02d}-{int(day):02d}"
    return f"--{month:02d}-{int(day):02d}"


def make_paper(
    record: Mapping[str, Any],
    source: str,
    problem: Callable[[str], None],
) -> Paper | None:
    """Build a :class:`Paper` from a mapping with common field names, or None when unusable.

    Recognised fields: ``id``/``arxiv_id``/``paper_id``, ``title``, ``abstract``/``summary``,
    ``authors`` (list of names or dicts, or a string), ``authors_parsed`` (arXiv snapshot),
    ``date``/``published``/``update_date``/``versions``, ``url``, ``doi``, ``categories``,
    ``upvotes``, ``author_count``, ``organisation``/``organization``.
    """
    get = {str(k).strip().lower(): v for k, v in record.items()}
    title = clean_text(get.get("title"))
    if not title:
        problem("no title")
        return None
    abstract = clean_text(_first(get, "abstract", "summary", "description"))
    if not abstract:
        problem(f"title {title[:50]!r} has no abstract; kept without one")
    input_id = clean_text(_first(get, "id", "arxiv_id", "paper_id", "paperid")) or None
    url = clean_text(_first(get, "url", "link", "abs_url", "pdf_url")) or None
    doi = doi_from(clean_text(get.get("doi"))) or doi_from(url or "")
    arxiv = arxiv_id_from(input_id) or arxiv_id_from(clean_text(get.get("arxiv_id"))) or (
        arxiv_id_from(url) if url and "arxiv" in url else None
    )
    authors = _authors(get)
    date_value = _first(get, "date", "published", "publication_date", "submitted", "update_date", "updated")
    if date_value is None and isinstance(get.get("versions"), list) and get["versions"]:
        first = get["versions"][0]
        date_value = first.get("created") if isinstance(first, Mapping) else None
    date = normalise_date(date_value)
    if date_value not in (None, "") and date is None:
        problem(f"unrecognised date {clean_text(date_value)[:40]!r} ignored")
    if date is None:
        date = _fallback_date(get, arxiv)
    categories = get.get("categories") or ()
    if isinstance(categories, str):
        categories = categories.replace(",", " ").split()
    elif not isinstance(categories, list | tuple):  # a number or mapping in the wild: not categories
        categories = ()
    return Paper(
        key=paper_key(arxiv, doi, title),
        title=title,
        abstract=abstract,
        input_id=input_id,
        authors=authors,
        author_count=_int(get.get("author_count")) or (len(authors) or None),
        date=date,
        upvotes=_int(get.get("upvotes")),
        organisation=clean_text(_first(get, "organisation", "organization")) or None,
        url=url or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None),
        arxiv_id=arxiv,
        doi=doi,
        categories=tuple(clean_text(c) for c in categories if clean_text(c)),
        sources=(source,),
    )


def _fallback_date(get: Mapping[str, Any], arxiv: str | None) -> str | None:
    """A date for a record that gives none: the daily listing it came from, else the arXiv id's month.

    ``source_file: "2025-03-18.jsonl"`` (the ``shared/corpus`` layout) is the day arXiv listed
    the paper; a new-style arXiv id ``2503.11731`` was submitted in March 2025. Both are real
    dates of the paper, never invented.
    """
    listing = get.get("source_file")
    if isinstance(listing, str):
        match = re.search(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)", listing)
        if match and _valid(*(int(g) for g in match.groups())):
            return match.group(0)
    if arxiv:
        match = re.fullmatch(r"(\d{2})(\d{2})\.\d{4,5}", arxiv)
        if match and 7 <= int(match.group(1)) and 1 <= int(match.group(2)) <= 12:
            return f"20{match.group(1)}-{match.group(2)}"
    return None


def _first(get: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        value = get.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip().replace(",", ""))
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _authors(get: Mapping[str, Any]) -> tuple[str, ...]:
    parsed = get.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for item in parsed:
            if isinstance(item, list | tuple):
                last, first = (list(item) + ["", ""])[:2]
                names.append(clean_text(f"{first} {last}"))
        return tuple(n for n in names if n)
    value = get.get("authors") or get.get("author")
    if isinstance(value, str):
        value = re.split(r",\s*|\s+and\s+|;\s*", value)
    if isinstance(value, list):
        names = [clean_text(v.get("name") if isinstance(v, Mapping) else v) for v in value]
        return tuple(n for n in names if n)
    return ()


# --------------------------------------------------------------------------- files


def expand_inputs(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """Yield files: directories expand (sorted, recursively, hidden files skipped); ``-`` is stdin."""
    for raw in paths:
        path = str(raw)
        if path == "-":
            yield path
            continue
        p = Path(path)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(p).parts):
                    yield str(child)
        elif p.exists():
            yield path
        else:
            raise InputError(f"{path}: no such file or directory")


def detect_format(name: str, head: bytes) -> str:
    """Choose a reader from the file name (``.gz`` stripped), else from its first bytes."""
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    ext = os.path.splitext(lower)[1]
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    text = _decode_head(head).lstrip()
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        first = text.split("\n", 1)[0].strip()
        return "jsonl" if first.endswith("}") else "json"
    if text.startswith("<"):
        return "atom"
    first_line = text.split("\n", 1)[0]
    if "\t" in first_line and "title" in first_line.lower():
        return "tsv"
    if "," in first_line and "title" in first_line.lower() and len(first_line) < 500:
        return "csv"
    return "hf"


def _decode_head(head: bytes) -> str:
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return head.decode(enc, errors="ignore")
    return head.decode("utf-8", errors="ignore")


def _open_binary(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        raw: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror or exc}") from None
    if path.lower().endswith(".gz"):
        return _Gunzip(raw)  # type: ignore[return-value]
    return raw


class _Gunzip(io.RawIOBase):
    """Streaming gzip decompression (multi-member, zero padding) that hands out every byte
    it can decompress before reporting a truncated file.

    :class:`gzip.GzipFile` drops the data of the read that meets the cut, up to a whole
    buffer of good records; this raises :class:`EOFError` only once nothing is left.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._d = zlib.decompressobj(31)
        self._pending = b""
        self._tail = b""
        self._done = False
        self._seen_input = False
        self._seen_output = False
        self._error: zlib.error | None = None

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _fill(self) -> None:
        while not self._pending and not self._done:
            if self._d.eof:
                rest = (self._d.unused_data + self._tail).lstrip(b"\x00")
                self._tail = b""
                while not rest:
                    more = self._raw.read(65536)
                    if not more:
                        self._done = True
                        return
                    rest = more.lstrip(b"\x00")
                self._d = zlib.decompressobj(31)
                self._tail = rest
                continue
            data = self._tail or self._raw.read(65536)
            self._tail = b""
            if not data:
                if not self._seen_input:  # an empty file: no papers, not an error
                    self._done = True
                    return
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            self._seen_input = True
            before = self._d.copy()
            try:
                self._pending = self._d.decompress(data, 1 << 20)
            except zlib.error as exc:
                # zlib drops the output of a failing call: hand out what precedes the damage first.
                self._pending = _salvage(before, data)
                if not self._pending and not self._seen_output:
                    raise zlib.error(f"not gzip-compressed data ({exc})") from None
                if not self._pending:
                    raise
                self._error = exc
                self._done = True
                return
            self._seen_output = self._seen_output or bool(self._pending)
            self._tail = self._d.unconsumed_tail

    def readinto(self, buffer: Any) -> int:
        self._fill()
        if not self._pending and self._error is not None:
            raise self._error
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _salvage(decompressor: Any, data: bytes) -> bytes:
    """The output of the longest prefix of ``data`` that ``decompressor`` takes without error."""
    lo, hi, best = 0, len(data), b""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            out = decompressor.copy().decompress(data[:mid])
        except zlib.error:
            hi = mid - 1
        else:
            lo, best = mid, out
    return best


class _Peekable(io.RawIOBase):
    """A binary stream whose first bytes were read for sniffing but are served again."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _text_lines(stream: BinaryIO, head: bytes, path: str, report: ProblemHandler) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, text)``; UTF-8 (BOM allowed) or UTF-16 with BOM.

    A line that is not valid UTF-8 is read as Windows-1252 and reported, so no good
    record is lost to one bad byte.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text_stream = io.TextIOWrapper(io.BufferedReader(_Peekable(head, stream)), encoding="utf-16", newline=None)
        for number, line in enumerate(text_stream, start=1):
            yield number, line.rstrip("\r\n")
        return
    buffered = io.BufferedReader(_Peekable(head, stream))
    # Old Mac files end lines with a bare CR: split them there, or the whole file is one line.
    # Only then: elsewhere a CR may sit inside a quoted CSV field.
    cr_only = b"\r" in head and b"\n" not in head
    number = 0
    for chunk in buffered:
        if number == 0 and chunk.startswith(codecs.BOM_UTF8):
            chunk = chunk[len(codecs.BOM_UTF8):]
        body = chunk.rstrip(b"\r\n")
        for raw in body.split(b"\r") if cr_only else (body,):
            number += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = raw.decode("cp1252", errors="replace")
                report(ReadProblem(path, f"line {number}", f"not valid UTF-8 (byte {exc.start}); read as Windows-1252"))
            yield number, line


def _looks_binary(head: bytes) -> bool:
    if head.startswith(_BINARY_MAGIC):
        return True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    # Judge what is left without NUL bytes: stray NULs, or a download padded with zeros,
    # must not cost a text file its good records. Real binary data is mostly NULs, or has
    # many other control bytes, or is mostly not UTF-8 (a Latin-1 text has a few bad bytes).
    sample = head[:4096].rstrip(b"\x00")
    if not sample:
        return bool(head)
    text = sample.replace(b"\x00", b"")
    if len(text) < len(sample) // 2:
        return True
    controls = sum(1 for b in text if b < 9 or 13 < b < 32)
    invalid = text.decode("utf-8", errors="replace").count("\ufffd")
    return controls > len(text) // 10 or invalid > len(text) * 3 // 10


def _utf16_without_bom(head: bytes) -> bytes | None:
    """The byte-order mark of UTF-16 text written without one (ASCII-heavy: every other byte NUL), else None."""
    sample = head[:4096]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return codecs.BOM_UTF16_LE
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return codecs.BOM_UTF16_BE
    return None


def iter_papers(
    paths: Iterable[str | os.PathLike[str]],
    fmt: str | None = None,
    on_problem: ProblemHandler | None = None,
    columns: Mapping[str, str] | None = None,
) -> Iterator[Paper]:
    """Yield every paper of every input, in input order (duplicates included).

    Parameters
    ----------
    paths
        Files, directories or ``-`` for standard input.
    fmt
        Force a reader (one of :data:`FORMATS`); default: by extension, then content.
    on_problem
        Called with a :class:`~kg.model.ReadProblem` for each bad record (then skipped).
    columns
        CSV/TSV column mapping, ``{our field: their column}``, e.g. ``{"abstract": "Summary"}``.

    Raises
    ------
    InputError
        When a file named in ``paths`` cannot be read at all (missing, binary, not a text format);
        such a file found inside a folder is reported and skipped instead.
    """
    report = on_problem or (lambda problem: None)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    for raw in paths:
        named = [raw] if str(raw) == "-" or not Path(raw).is_dir() else None
        for path in expand_inputs([raw]):
            if named is not None:
                yield from _read_file(path, fmt, report, columns)
                continue
            # A file found in a folder (a README, a picture) that is no paper file is
            # reported and skipped; only files named on the command line stop the build.
            try:
                yield from _read_file(path, fmt, report, columns)
            except InputError as exc:
                report(ReadProblem(path, "file", f"skipped: {str(exc).removeprefix(path + ': ')}"))


def _read_file(path: str, fmt: str | None, report: ProblemHandler, columns: Mapping[str, str] | None) -> Iterator[Paper]:
    stream = _open_binary(path)
    shown = "<stdin>" if path == "-" else path
    try:
        head, broken = _read_head(stream, shown)
        if not head.strip():
            report(ReadProblem(shown, "file", "empty file, no papers"))
            return
        bom = None if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else _utf16_without_bom(head)
        if bom is not None:
            report(ReadProblem(shown, "file", "UTF-16 without a byte-order mark; read as UTF-16"))
            head = bom + head
        if head.startswith(b"\x1f\x8b"):
            raise InputError(f"{shown}: gzip-compressed data; name the file with a .gz extension")
        if _looks_binary(head):
            raise InputError(f"{shown}: binary data, not a paper file (formats: {', '.join(FORMATS)})")
        kind = fmt or detect_format(path if path != "-" else "", head)
        if broken is not None:
            NEWLINE = b"\n"  # noqa: N806
            # A short compressed file cut off early: keep what decompressed, say where it stops.
            report(ReadProblem(shown, f"after line {head.count(NEWLINE)}",
                               f"truncated or corrupt compressed data ({broken}); rest skipped"))
        rest: BinaryIO = io.BytesIO(b"") if broken is not None else stream
        lines = _guard_truncation(_text_lines(rest, head, shown, report), shown, report)
        reader = _READERS[kind]
        reported = [0]

        def counted(problem: ReadProblem) -> None:
            reported[0] += 1
            report(problem)

        if kind in ("csv", "tsv"):
            papers = reader(lines, shown, counted, columns, "\t" if kind == "tsv" else ",")
        else:
            papers = reader(lines, shown, counted)
        kept = 0
        for paper in papers:
            kept += 1
            # Provenance names the file, not the folder it was read from, so a graph does not
            # depend on where the build ran.
            yield replace(paper, sources=tuple(os.path.basename(s) for s in paper.sources))
        if not kept and not reported[0]:
            # Nothing read and nothing wrong is a silent loss: say so (e.g. RSS instead of Atom).
            report(ReadProblem(shown, "file", f"no papers found (read as {kind}; use --format to choose a reader)"))
    finally:
        if path != "-":
            stream.close()


def _read_head(stream: BinaryIO, shown: str, size: int = 65536) -> tuple[bytes, str | None]:
    """The first ``size`` bytes for sniffing, and the error that cut them short, if any.

    Read in chunks so a compressed file truncated within its first ``size`` bytes keeps
    what decompressed; nothing readable at all is an :class:`InputError`.
    """
    chunks: list[bytes] = []
    got = 0
    try:
        while got < size:
            chunk = stream.read(min(8192, size - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        if not chunks:
            raise InputError(f"{shown}: cannot read: {clean_text(exc)}") from None
        return b"".join(chunks), clean_text(exc)
    return b"".join(chunks), None


def _guard_truncation(lines: Iterator[tuple[int, str]], path: str, report: ProblemHandler) -> Iterator[tuple[int, str]]:
    """Turn a truncated or corrupt compressed stream into a reported problem, keeping what came before."""
    number = 0
    try:
        for number, line in lines:
            yield number, line
    except (EOFError, OSError, zlib.error) as exc:
        report(ReadProblem(path, f"after line {number}", f"truncated or corrupt compressed data ({exc}); rest skipped"))


# --------------------------------------------------------------------------- readers


def read_jsonl(lines: Iterable[tuple[int, str]], path: str, report: ProblemHandler) -> Iterator[Paper]:
    """One JSON object per line (arXiv snapshot and ``shared/corpus`` layout)."""
    for number, line in lines:
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            record = _JSON.decode(line)
        except (ValueError, RecursionError) as exc:  # ValueError: also integers too long to convert
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else _json_error(exc)
            report(ReadProblem(path, where, f"invalid JSON: {msg}"))
            continue
        paper = _paper_or_problem(record, path, where, report)
        if paper is not None:
            yield paper


def _paper_or_problem(record: Any, path: str, where: str, report: ProblemHandler) -> Paper | None:
    if not isinstance(record, Mapping):
        report(ReadProblem(path, where, f"expected a JSON object, found {type(record).__name__}"))
        return None
    return make_paper(record, f"{path}:{where.split()[-1]}", lambda m: report(ReadProblem(path, where, m)))


def read_json(lines: Iterable[tuple[int, str]], path: str, report: ProblemHandler) -> Iterator[Paper]:
    """A JSON list of paper objects (or an object holding such a list), decoded incrementally."""
    decoder = _JSON
    buffer = ""
    pos = 0
    line_iter = iter(lines)
    exhausted = False
    index = 0

    def fill() -> bool:
        nonlocal buffer, pos, exhausted
        chunk = []
        for _, line in line_iter:
            chunk.append(line + "\n")
            if sum(map(len, chunk)) > 1 << 16:
                break
        else:
            exhausted = True
        buffer = buffer[pos:] + "".join(chunk)
        pos = 0
        return bool(chunk)

    def skip_space(extra: str = "") -> None:
        nonlocal pos
        while True:
            while pos < len(buffer) and (buffer[pos].isspace() or buffer[pos] in extra):
                pos += 1
            if pos < len(buffer) or exhausted or not fill():
                return

    skip_space()
    if pos >= len(buffer):
        report(ReadProblem(path, "file", "empty JSON"))
        return
    if buffer[pos] == "{":
        # Either one paper object or an object wrapping a list: decode it whole.
        while not exhausted:
            fill()
        try:
            obj = _JSON.decode(buffer[pos:])
        except (ValueError, RecursionError) as exc:
            wrapped = _WRAPPED_LIST.search(buffer, pos)
            if wrapped is None:
                report(ReadProblem(path, _json_place(exc), f"invalid JSON ({_json_error(exc)}); file skipped"))
                return
            # A broken or truncated {"papers": [...]}: read its list record by record, as below.
            pos = wrapped.end()
            obj = None
        items = None if obj is None else next((obj[k] for k in ("papers", "data", "results", "items", "records") if isinstance(obj.get(k), list)), None)
        if obj is not None and items is None:
            paper = _paper_or_problem(obj, path, "record 1", report)
            if paper is not None:
                yield paper
            return
        if items is not None:
            for i, item in enumerate(items, start=1):
                paper = _paper_or_problem(item, path, f"record {i}", report)
                if paper is not None:
                    yield paper
            return
    elif buffer[pos] != "[":
        report(ReadProblem(path, "file", "not a JSON list or object; file skipped"))
        return
    else:
        pos += 1
    while True:
        skip_space(",")
        if pos < len(buffer) and buffer[pos] == "]":
            return
        if pos >= len(buffer):
            report(ReadProblem(path, f"record {index + 1}", "JSON list is truncated (no closing ']')"))
            return
        while True:
            try:
                obj, end = decoder.raw_decode(buffer, pos)
                break
            except json.JSONDecodeError as exc:
                if not exhausted and fill():
                    continue
                report(ReadProblem(path, f"record {index + 1}", f"invalid JSON ({exc.msg}); rest of file skipped"))
                return
            except ValueError as exc:  # an integer too long to convert
                report(ReadProblem(path, f"record {index + 1}", f"invalid JSON ({_json_error(exc)}); rest of file skipped"))
                return
            except RecursionError:
                report(ReadProblem(path, f"record {index + 1}", "JSON nested too deeply; rest of file skipped"))
                return
        index += 1
        pos = end
        paper = _paper_or_problem(obj, path, f"record {index}", report)
        if paper is not None:
            yield paper


def _json_error(exc: BaseException) -> str:
    """A short reason for a JSON decoding failure."""
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return clean_text(exc).split(";")[0][:80]


def _json_place(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno} column {exc.colno}"
    return "file"


def read_csv(
    lines: Iterable[tuple[int, str]],
    path: str,
    report: ProblemHandler,
    columns: Mapping[str, str] | None = None,
    sep: str = ",",
) -> Iterator[Paper]:
    """CSV or TSV with a header row; ``columns`` maps our fields to theirs (``{"abstract": "Summary"}``).

    Read with the standard library's csv module rather than pandas: it streams, keeps the
    line number of every row, and lets a ragged row be reported instead of silently
    shifted into the wrong columns.
    """
    rename = {their: ours for ours, their in (columns or {}).items()}
    csv.field_size_limit(1 << 26)  # 64 MB: a huge abstract is kept, not a parse error
    numbered = iter(lines)
    current = [0]

    def text_lines() -> Iterator[str]:
        for number, line in numbered:
            current[0] = number
            yield line + "\n"

    reader = csv.reader(text_lines(), delimiter=sep)
    try:
        header = next(reader, None)
        if header is None:
            report(ReadProblem(path, "file", "empty CSV, no header"))
            return
        names = [rename.get(h.strip(), h.strip()) for h in header]
        stripped = {h.strip() for h in header}
        for ours, their in (columns or {}).items():
            if their not in stripped:  # a typo in --columns would otherwise be ignored without a word
                found = ", ".join(h for h in header[:8])
                report(ReadProblem(path, "line 1", f"no column {their!r} for --columns {ours}={their} (found: {found})"))
        if "title" not in {n.lower() for n in names}:
            found = ", ".join(h for h in header[:8])
            report(ReadProblem(path, "line 1", f"no 'title' column (found: {found}); use --columns title=NAME"))
            return
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # one malformed row (e.g. a bare CR outside quotes); go on after it
                report(ReadProblem(path, f"line {current[0]}", f"CSV parse error: {clean_text(exc)[:120]}; row skipped"))
                continue
            where = f"line {current[0]}"
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(names):
                preview = clean_text(fields[0])[:40]
                report(ReadProblem(path, where, f"ragged row: {len(fields)} fields, header has {len(names)} "
                                                f"(starts {preview!r}); skipped"))
                continue
            paper = make_paper(dict(zip(names, fields)), f"{path}:{current[0]}",
                               lambda m, w=where: report(ReadProblem(path, w, m)))
            if paper is not None:
                yield paper
    except csv.Error as exc:
        report(ReadProblem(path, f"line {current[0]}", f"CSV parse error: {clean_text(exc)[:120]}; rest skipped"))


_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV_NS = "{http://arxiv.org/schemas/atom}"


def read_atom(lines: Iterable[tuple[int, str]], path: str, report: ProblemHandler) -> Iterator[Paper]:
    """arXiv API responses (Atom XML) saved to disk, parsed incrementally entry by entry."""
    parser = ElementTree.XMLPullParser(events=("end",))
    index = 0
    try:
        for _, line in lines:
            parser.feed(line + "\n")
            for _, element in parser.read_events():
                if element.tag == f"{_ATOM}entry":
                    index += 1
                    paper = _atom_entry(element, path, index, report)
                    element.clear()
                    if paper is not None:
                        yield paper
        parser.close()
        for _, element in parser.read_events():
            if element.tag == f"{_ATOM}entry":
                index += 1
                paper = _atom_entry(element, path, index, report)
                if paper is not None:
                    yield paper
    except ElementTree.ParseError as exc:
        line_no, column = exc.position
        report(ReadProblem(path, f"line {line_no} column {column}", f"invalid XML ({clean_text(exc).split(':')[0]}); rest of file skipped"))


def _atom_entry(entry: ElementTree.Element, path: str, index: int, report: ProblemHandler) -> Paper | None:
    def text(tag: str) -> str:
        node = entry.find(tag)
        return clean_text(node.text) if node is not None and node.text else ""

    link = next((l.get("href") for l in entry.findall(f"{_ATOM}link") if l.get("rel") == "alternate"), None)
    record = {
        "id": text(f"{_ATOM}id"),
        "title": text(f"{_ATOM}title"),
        "summary": text(f"{_ATOM}summary"),
        "published": text(f"{_ATOM}published"),
        "authors": [clean_text(a.findtext(f"{_ATOM}name")) for a in entry.findall(f"{_ATOM}author")],
        "doi": text(f"{_ARXIV_NS}doi"),
        "url": link or text(f"{_ATOM}id"),
        "categories": [c.get("term", "") for c in entry.findall(f"{_ATOM}category")],
    }
    if record["title"] == "Error":  # the API reports errors as an entry
        report(ReadProblem(path, f"entry {index}", f"arXiv API error entry: {record['summary'][:80]}"))
        return None
    where = f"entry {index}"
    return make_paper(record, f"{path}#{index}", lambda m: report(ReadProblem(path, where, m)))


# Hugging Face daily-papers listing pages saved as text ------------------------------

_HF_BOILERPLATE = {
    "new", "subscribe", "daily papers", "byak and the research community",
    "get trending papers in your email inbox!", "get trending papers in your email inbox once a day!",
    "previous", "next", "trending papers", "papers",
}
_HF_AUTHORS = re.compile(r"^[•·*\-]?\s*(\d+)\s+authors?$")
_HF_DATE = re.compile(r"^([A-Z][a-z]{2})\s+(\d{1,2})(?:,\s*(\d{4}))?(?:\s+(\d+))?$")
_HF_SEPARATOR = {"·", "•", "-"}
_TITLE_MAX = 300
_ABSTRACT_MIN = 150


def read_hf_listing(lines: Iterable[tuple[int, str]], path: str, report: ProblemHandler) -> Iterator[Paper]:
    """Hugging Face "daily papers" pages saved as text, in either layout.

    Layout A: title, blank, abstract, blank, then ``• N authors`` (or an organisation
    line), ``·`` and ``Mon D[, YYYY] [upvotes]``. Layout B: title and abstract on
    consecutive lines with no metadata. Page boilerplate is dropped.
    """
    pending: dict[str, Any] | None = None
    seen_paper = False

    def finish() -> Iterator[Paper]:
        nonlocal pending
        if pending is None:
            return
        record, pending = pending, None
        where = f"line {record['line']}"
        paper = make_paper(record, f"{path}:{record['line']}", lambda m: report(ReadProblem(path, where, m)))
        if paper is not None:
            yield paper

    previous_meta: str | None = None
    for number, line, following in _with_next_line(lines):
        lower = line.lower()
        if lower.startswith("subscribe") and len(line) > len("subscribe") and line[9].isupper():
            line = line[9:].strip()  # layout B glues the first title to the Subscribe button
            lower = line.lower()
        if lower in _HF_BOILERPLATE:
            continue
        authors = _HF_AUTHORS.match(line)
        date = _HF_DATE.match(line)
        if line in _HF_SEPARATOR:
            previous_meta = "sep"
            continue
        if authors and pending is not None:
            pending["author_count"] = int(authors.group(1))
            previous_meta = "authors"
            continue
        if date:
            if pending is not None and (previous_meta == "sep" or pending.get("abstract")):
                month, day, year, votes = date.groups()
                pending["date"] = f"{month} {day}, {year}" if year else f"{month} {day}"
                if votes is not None:
                    pending["upvotes"] = int(votes)
                previous_meta = "date"
                continue
            if not seen_paper:
                continue  # the page's own date above the first paper
        if pending is not None and not pending.get("abstract") and (
                len(line) >= _ABSTRACT_MIN
                # a short abstract: the paper has no metadata yet and its metadata follows this line
                or (previous_meta is None and "date" not in pending and "author_count" not in pending
                    and (_is_hf_meta(following) or _is_org_line(following)))):
            pending["abstract"] = line
            previous_meta = None
            continue
        if pending is not None and pending.get("abstract") and previous_meta is None and _is_org_line(line):
            pending["organisation"] = line.partition(" ")[2]  # drop the hub handle
            previous_meta = "org"
            continue
        if pending is not None and previous_meta in ("org", "authors") and _is_org_line(line):
            pending["organisation"] = line.partition(" ")[2]
            continue
        # A new title.
        yield from finish()
        if len(line) > _TITLE_MAX:
            report(ReadProblem(path, f"line {number}", f"text without a title ({len(line)} characters); skipped"))
            previous_meta = None
            continue
        pending = {"title": line, "line": number}
        seen_paper = True
        previous_meta = None
    yield from finish()


def _with_next_line(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str, str]]:
    """Non-blank cleaned lines as ``(number, line, next non-blank line or "")``, still streaming."""
    held: tuple[int, str] | None = None
    for number, raw in lines:
        line = clean_text(raw)
        if not line:
            continue
        if held is not None:
            yield held[0], held[1], line
        held = (number, line)
    if held is not None:
        yield held[0], held[1], ""


def _is_hf_meta(line: str) -> bool:
    """The author-count, separator or date line that follows a paper's abstract in layout A."""
    return bool(line) and (line in _HF_SEPARATOR or bool(_HF_AUTHORS.match(line)) or bool(_HF_DATE.match(line)))


def _is_org_line(line: str) -> bool:
    """An organisation line of a listing: ``<hub handle> <display name>``, e.g. ``stanfordnlp Stanford NLP``."""
    handle, _, name = line.partition(" ")
    if not name or len(line) > 80 or not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", handle):
        return False
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    return squashed[:3] == re.sub(r"[^a-z0-9]", "", handle)[:3]


_READERS: dict[str, Callable[..., Iterator[Paper]]] = {
    "hf": read_hf_listing,
    "json": read_json,
    "jsonl": read_jsonl,
    "csv": read_csv,
    "tsv": read_csv,
    "atom": read_atom,
}


# --------------------------------------------------------------------------- merging

_DATE_RANK = {10: 3, 7: 2, 4: 1}


def _date_rank(date: str | None) -> tuple[int, str]:
    if not date:
        return (0, "")
    if date.startswith("--"):
        return (1, date)
    return (_DATE_RANK.get(len(date), 0) + 1, date)


def merge_two(a: Paper, b: Paper) -> Paper:
    """Merge two records of the same paper, keeping the richest metadata (order-independent)."""
    a, b = sorted((a, b), key=lambda p: (len(p.abstract), len(p.title), p.sources))
    rich = b  # the record with the longer abstract leads
    return replace(
        rich,
        title=max((a.title, b.title), key=lambda t: (len(t), t)),
        abstract=max((a.abstract, b.abstract), key=lambda t: (len(t), t)),
        input_id=min(filter(None, (a.input_id, b.input_id)), default=None),
        authors=max((a.authors, b.authors), key=lambda t: (len(t), t)),
        author_count=max(filter(None, (a.author_count, b.author_count)), default=None),
        date=max((a.date, b.date), key=_date_rank),
        upvotes=max((v for v in (a.upvotes, b.upvotes) if v is not None), default=None),
        organisation=min(filter(None, (a.organisation, b.organisation)), default=None),
        url=min(filter(None, (a.url, b.url)), default=None),
        arxiv_id=a.arxiv_id or b.arxiv_id,
        doi=min(filter(None, (a.doi, b.doi)), default=None),
        categories=a.categories if len(a.categories) > len(b.categories) else b.categories,
        sources=tuple(sorted(set(a.sources) | set(b.sources))),
    )


def _source_place(source: str) -> tuple[str, str]:
    """``("file", "line 3")`` from a provenance string ``file:3`` (``record 3`` for JSON) or ``file#3``."""
    for sep, kind in (("#", "entry"), (":", "line")):
        name, found, place = source.rpartition(sep)
        if found and place.isdigit():
            if kind == "line" and name.lower().removesuffix(".gz").endswith(".json"):
                kind = "record"
            return name, f"{kind} {place}"
    return source, "record"


def merge_conflicts(a: Paper, b: Paper) -> list[str]:
    """What two records of the same paper disagree on (titles, abstracts), for a warning.

    An abstract that contains the other (a longer version) is no conflict.
    """
    found = []
    if a.title and b.title and normalise_title(a.title) != normalise_title(b.title):
        found.append(f"titles differ ({a.title[:50]!r} vs {b.title[:50]!r})")
    na, nb = normalise_title(a.abstract), normalise_title(b.abstract)
    if na and nb and na not in nb and nb not in na:
        found.append("abstracts differ")
    return found


def merge_papers(papers: Iterable[Paper], on_problem: ProblemHandler | None = None) -> dict[str, Paper]:
    """Merge records of the same paper (same key, or same normalised title) into one each.

    Returns a dict from key to paper, in first-seen order. A record without arXiv id or
    DOI joins an identified record with the same normalised title. Records of one key
    that disagree on title or abstract are still merged (the longer text is kept), and
    ``on_problem`` is told, naming the later record, so nothing changes silently.
    """
    by_key: dict[str, Paper] = {}
    title_to_key: dict[str, str] = {}
    for paper in papers:
        title_norm = normalise_title(paper.title)
        key = paper.key
        if key.startswith("title:") and title_norm in title_to_key:
            key = title_to_key[title_norm]
            paper = replace(paper, key=key)
        elif not key.startswith("title:"):
            orphan = title_to_key.get(title_norm)
            if orphan and orphan.startswith("title:") and orphan in by_key:
                # An unidentified record seen earlier belongs to this identified paper (which may
                # already hold records under another title: merge, never replace them).
                adopted = replace(by_key.pop(orphan), key=key)
                by_key[key] = merge_two(by_key[key], adopted) if key in by_key else adopted
            title_to_key[title_norm] = key
        title_to_key.setdefault(title_norm, key)
        if key in by_key and on_problem is not None:
            conflicts = merge_conflicts(by_key[key], paper)
            if conflicts:
                path, place = _source_place(paper.sources[0]) if paper.sources else ("<input>", "record")
                others = ", ".join(by_key[key].sources[:3])
                on_problem(ReadProblem(path, place, f"duplicate of {key} ({others}) but {'; '.join(conflicts)}; "
                                                    "merged, keeping the longer text"))
        by_key[key] = merge_two(by_key[key], paper) if key in by_key else paper
    return by_key
