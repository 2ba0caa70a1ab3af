"""A per-paper cache of extraction results, so a rebuild only extracts new or changed papers.

Each paper's entities are stored under a content hash of what the extractor reads
(title and abstract) and of how it reads them (``EXTRACTOR_VERSION`` and profile).
A changed text, profile or extractor version is a different key, so a stale result
is never returned; rows of other extractor versions are dropped when the cache opens.

Storage is one SQLite file (``extractions.sqlite``): one row per paper, the entities
encoded as zlib-compressed compact JSON (:func:`encode_entities`). 75K abstracts take
about 100 MB. SQLite makes every write batch a transaction, so an interrupted build
leaves a usable cache.

The same encoding is how extraction results travel between processes and machines
(:mod:`kg.distributed`) and how the pipeline keeps them compact in memory: decoding
shares one string object per sentence of a paper among all the mentions in it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from kg.model import ExtractedEntity, Mention

#: Bumped when the encoding below changes (part of every key).
CACHE_FORMAT = "1"
#: The cache file inside a cache directory.
CACHE_FILE = "extractions.sqlite"
_FIELDS = ("title", "abstract")


def content_key(title: str, abstract: str, version: str, profile: str) -> bytes:
    """The cache key of one paper: a SHA-256 of everything extraction depends on.

    Parameters
    ----------
    title, abstract : str
        The text the extractor reads (after any truncation).
    version : str
        ``kg.extraction.EXTRACTOR_VERSION``.
    profile : str
        Extraction profile.

    Returns
    -------
    bytes
        32 bytes.
    """
    h = hashlib.sha256()
    for part in (CACHE_FORMAT, version, profile, title, abstract):
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))  # length-prefixed: no two texts collide by concatenation
        h.update(data)
    return h.digest()


def encode_entities(entities: Sequence[ExtractedEntity]) -> bytes:
    """Encode one paper's entities compactly (each distinct sentence stored once).

    Returns
    -------
    bytes
        zlib-compressed JSON ``{"s": [sentences], "e": [[name, type, role, confidence,
        aliases, source, [[field, start, end, text, sentence index, sentence_start], ...]], ...]}``.
    """
    sentences: dict[str, int] = {}
    rows = []
    for e in entities:
        mentions = [
            [_FIELDS.index(m.field), m.start, m.end, m.text, sentences.setdefault(m.sentence, len(sentences)),
             m.sentence_start]
            for m in e.mentions
        ]
        rows.append([e.name, e.type, e.role, e.confidence, list(e.aliases), e.source, mentions])
    payload = {"s": list(sentences), "e": rows}
    return zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def decode_entities(data: bytes) -> tuple[ExtractedEntity, ...]:
    """Inverse of :func:`encode_entities`."""
    payload = json.loads(zlib.decompress(data))
    sentences = payload["s"]
    return tuple(
        ExtractedEntity(
            name=name, type=etype, role=role, confidence=confidence, aliases=tuple(aliases), source=source,
            mentions=tuple(
                Mention(field=_FIELDS[f], start=start, end=end, text=text, sentence=sentences[s],
                        sentence_start=sentence_start)
                for f, start, end, text, s, sentence_start in mentions
            ),
        )
        for name, etype, role, confidence, aliases, source, mentions in payload["e"]
    )


class ExtractionCache:
    """Extraction results by content key, in ``cache_dir/extractions.sqlite``.

    Parameters
    ----------
    cache_dir : str or Path
        Created when missing.
    version : str
        The extractor version of this build; rows of any other version are deleted.

    Examples
    --------
    >>> with ExtractionCache(tmp_dir, "v1") as cache:  # doctest: +SKIP
    ...     cache.put_many([(key, encode_entities(entities))])
    ...     cache.get(key)
    """

    def __init__(self, cache_dir: str | Path, version: str) -> None:
        self.dir = Path(cache_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / CACHE_FILE
        self.version = version
        self._db = sqlite3.connect(self.path)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS extractions (key BLOB PRIMARY KEY, version TEXT NOT NULL, "
                "data BLOB NOT NULL) WITHOUT ROWID"
            )
            with self._db:
                self._db.execute("DELETE FROM extractions WHERE version != ?", (version,))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise RuntimeError(f"{self.path}: not a usable extraction cache ({exc}); delete it to rebuild") from exc

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database (idempotent)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM extractions").fetchone()[0]

    def keys(self) -> set[bytes]:
        """Every key held for this version."""
        return {row[0] for row in self._db.execute("SELECT key FROM extractions")}

    def get(self, key: bytes) -> bytes | None:
        """The encoded entities under ``key``, or None."""
        row = self._db.execute("SELECT data FROM extractions WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def get_many(self, keys: Iterable[bytes]) -> Iterator[bytes | None]:
        """The encoded entities of each of ``keys`` in order (None for a miss)."""
        query = self._db.cursor()
        for key in keys:
            row = query.execute("SELECT data FROM extractions WHERE key = ?", (key,)).fetchone()
            yield row[0] if row else None

    def put_many(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        """Store ``(key, encoded entities)`` pairs in one transaction."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO extractions (key, version, data) VALUES (?, ?, ?)",
                ((key, self.version, data) for key, data in items),
            )
