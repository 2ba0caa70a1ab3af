"""Incremental store updates: a rebuild changes only the parts of the graph that changed.

A build with a cache folder can keep its Oxigraph store on disk there (``store/``) with a
fingerprint of every *unit* of the graph (``store-units.json.z``): a paper's metadata, an
entity node, a paper → entity link with its mentions, the extractor agent. The next build
links the whole corpus again (linking is global: a new paper can change which names merge,
an entity's label, its key), fingerprints the new units, and then only

- deletes the triples of units that changed or disappeared, and
- inserts the triples of units that changed or are new,

so adding 100 papers to a 75K-paper graph rewrites a few thousand triples instead of
refilling 19 million. The result is the same set of triples as a fresh build (tested).

The fingerprint file is removed before the store is touched and written back (atomically)
only after the update, so an interrupted build leaves no fingerprints and the next build
refills the store from scratch.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from kg.atomic import write_atomic
from kg.model import CanonicalEntity, Link, Paper

#: Bump when the triples a unit gives change shape, so old fingerprints are not trusted.
STATE_FORMAT = 1
STORE_FOLDER = "store"
UNITS_FILE = "store-units.json.z"

Unit = tuple[str, ...]


def _digest(value: object) -> bytes:
    # repr of frozen dataclasses and tuples of str/int/float is stable across processes
    return hashlib.blake2b(repr(value).encode("utf-8"), digest_size=12).digest()


def unit_fingerprints(
    papers: Mapping[str, Paper],
    entities: Mapping[str, CanonicalEntity],
    links: Sequence[Link],
    extractor_version: str,
    counts: Mapping[str, int],
) -> dict[Unit, bytes]:
    """A fingerprint of everything each unit's triples are made from.

    Units: ``("agent",)``, ``("paper", key)``, ``("entity", key)`` (with its paper count
    from ``counts``, :func:`kg.graph.entity_paper_counts`) and ``("link", paper key, entity
    key)`` (with the entity's type and the extractor version, which its triples also carry).
    """
    units: dict[Unit, bytes] = {("agent",): _digest(extractor_version)}
    for paper in papers.values():
        units[("paper", paper.key)] = _digest(paper)
    for entity in entities.values():
        units[("entity", entity.key)] = _digest((entity, counts.get(entity.key, 0)))
    for link in links:
        units[("link", link.paper_key, link.entity_key)] = _digest(
            (link, entities[link.entity_key].type, extractor_version, link.paper_key in papers))
    return units


def fill_store(
    folder: str | Path,
    papers: Mapping[str, Paper],
    entities: Mapping[str, CanonicalEntity],
    links: Sequence[Link],
    extractor_version: str,
    *,
    store: ox.Store | None = None,
) -> tuple[ox.Store, dict[str, int]]:
    """Open (or create) the on-disk store in ``folder``/``store`` and make it hold exactly this corpus.

    Returns the store and what was done: ``{"deleted_units": n, "inserted_units": n,
    "full": 0 or 1, "triples": n}``. With no trustworthy fingerprints from the last build, or when more
    than :data:`REFILL_SHARE` of the units changed (a refill is then faster), the store is
    emptied and filled in full. ``store`` is that store already open (a graph adding papers
    to itself); otherwise it is opened here.
    """
    from kg.graph import corpus_triples

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    store_dir, units_file = folder / STORE_FOLDER, folder / UNITS_FILE
    held = store is not None
    if store is None:
        store = _open(store_dir)
    from kg.graph import entity_paper_counts

    counts = entity_paper_counts(links)
    new = unit_fingerprints(papers, entities, links, extractor_version, counts)
    old, old_size = read_units(units_file)
    if units_file.exists():  # from here until the write below, the store is in flux
        units_file.unlink()
        _sync_folder(folder)  # the removal must reach the disk before the store changes
    stale: list[Unit] = []
    fresh: list[Unit] = []
    if old is not None and len(store) == old_size:
        stale = [u for u, fp in old.items() if new.get(u) != fp]
        fresh = [u for u, fp in new.items() if old.get(u) != fp]
        if len(stale) + len(fresh) > REFILL_SHARE * len(new):
            old = None
    else:
        old = None
    if old is None:
        if held:
            store.clear()
        else:
            del store  # closes it, so its folder can go (faster than deleting millions of triples)
            shutil.rmtree(store_dir, ignore_errors=True)
            store = ox.Store(str(store_dir))
        store.bulk_extend(corpus_triples(papers, entities, links, extractor_version))
        stats = {"full": 1, "deleted_units": 0, "inserted_units": len(new)}
    else:
        touched_papers = _delete_units(store, stale)
        store.extend(_unit_triples(fresh, touched_papers, papers, entities, links, extractor_version, counts))
        stats = {"full": 0, "deleted_units": len(stale), "inserted_units": len(fresh)}
    store.flush()
    stats["triples"] = len(store)  # counting a RocksDB store of 19M triples takes seconds: once, here
    write_units(units_file, new, stats["triples"])
    return store, stats


def _open(store_dir: Path) -> ox.Store:
    """Open the kept store; one RocksDB cannot read (damaged, half-deleted) is replaced by an empty one."""
    try:
        return ox.Store(str(store_dir))
    except OSError as exc:
        if "lock" in str(exc).lower():  # RocksDB's lock: another graph (this process or another) has it open
            raise StoreInUse(f"{store_dir}: the store is open elsewhere ({exc})") from exc
        damaged: Exception = exc
    except RuntimeError as exc:  # e.g. "Corruption: CURRENT file corrupted"
        damaged = exc
    # derived data: start again (no fingerprints match an empty store, so it is filled in full)
    shutil.rmtree(store_dir, ignore_errors=True)
    try:
        return ox.Store(str(store_dir))
    except (OSError, RuntimeError) as exc:
        raise OSError(f"{store_dir}: cannot open or recreate the kept store ({damaged}; {exc})") from exc


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class StoreInUse(OSError):
    """The kept store is open in another graph or process; the build must not touch it."""


#: Above this share of changed units, refilling the store beats updating it in place.
REFILL_SHARE = 0.3


def write_units(path: Path, units: Mapping[Unit, bytes], triples: int) -> None:
    """Write the fingerprints (with the store's triple count) atomically, as compressed JSON."""
    payload = {"format": STATE_FORMAT, "code": _triples_code(), "triples": triples,
               "units": [[*unit, fp.hex()] for unit, fp in units.items()]}
    write_atomic(path, zlib.compress(json.dumps(payload, separators=(",", ":")).encode("utf-8"), 1))


def _triples_code() -> str:
    """A hash of the code that turns units into triples: fingerprints of other code are not trusted."""
    from kg import graph

    try:
        parts = [inspect.getsource(f) for f in (
            graph.paper_triples, graph.entity_triples, graph.link_triples, graph.corpus_triples, graph.agent_triples,
            graph.entity_paper_counts, graph.paper_iri,
            graph.entity_iri, graph.link_iri, graph.mention_iri, graph.extractor_iri, graph._text, graph._int,
            graph._decimal, graph.date_literal, graph.relation_name, _unit_triples, _delete_units)]
    except (OSError, TypeError):  # no source shipped: only STATE_FORMAT guards the fingerprints
        return ""
    return hashlib.blake2b("".join(parts).encode("utf-8"), digest_size=8).hexdigest()


def read_units(path: Path) -> tuple[dict[Unit, bytes] | None, int]:
    """The fingerprints and triple count :func:`write_units` wrote; ``(None, 0)`` if missing or unreadable."""
    try:
        payload = json.loads(zlib.decompress(path.read_bytes()))
        if payload["format"] != STATE_FORMAT or payload.get("code") != _triples_code():
            return None, 0
        return {tuple(row[:-1]): bytes.fromhex(row[-1]) for row in payload["units"]}, int(payload["triples"])
    except (OSError, zlib.error, ValueError, TypeError, KeyError, IndexError):
        return None, 0


def _delete_units(store: ox.Store, units: Iterable[Unit]) -> set[str]:
    """Delete the triples of ``units``; return the keys of papers whose link triples were touched."""
    from kg.graph import KGO, PAPER_PREDICATES, PROV, entity_iri, link_iri, paper_iri

    doomed: list[ox.Quad] = []
    touched: set[str] = set()
    for unit in units:
        kind = unit[0]
        if kind == "paper":
            p = paper_iri(unit[1])
            doomed += [q for q in store.quads_for_pattern(p, None, None, ox.DefaultGraph())
                       if q.predicate in PAPER_PREDICATES]
        elif kind == "entity":
            doomed += store.quads_for_pattern(entity_iri(unit[1]), None, None, ox.DefaultGraph())
        elif kind == "link":
            p, e, node = paper_iri(unit[1]), entity_iri(unit[2]), link_iri(unit[1], unit[2])
            for q in store.quads_for_pattern(node, KGO.hasMention, None, ox.DefaultGraph()):
                doomed += store.quads_for_pattern(q.object, None, None, ox.DefaultGraph())
            doomed += store.quads_for_pattern(node, None, None, ox.DefaultGraph())
            doomed += store.quads_for_pattern(p, None, e, ox.DefaultGraph())
            touched.add(unit[1])
        elif kind != "agent":
            raise ValueError(f"unknown unit {unit!r}")
    if any(u[0] == "agent" for u in units):  # the extractor's own triples: its version changed
        for agent in {q.subject for q in store.quads_for_pattern(None, None, PROV.SoftwareAgent, ox.DefaultGraph())}:
            doomed += store.quads_for_pattern(agent, None, None, ox.DefaultGraph())
    for quad in doomed:
        store.remove(quad)
    return touched


def _unit_triples(
    units: Sequence[Unit],
    touched_papers: set[str],
    papers: Mapping[str, Paper],
    entities: Mapping[str, CanonicalEntity],
    links: Sequence[Link],
    extractor_version: str,
    counts: Mapping[str, int],
) -> Iterator[ox.Quad]:
    """The triples of ``units``, and again those of every link of a paper whose link triples were deleted.

    A mention node is named by its paper and span only, so two links of one paper could
    share one; re-inserting (idempotent) all links of a touched paper restores any such node.
    ``counts`` are the entities' paper counts.
    """
    from kg.graph import agent_triples, entity_triples, extractor_iri, link_triples, paper_triples

    agent = extractor_iri(extractor_version)
    wanted_links = {(u[1], u[2]) for u in units if u[0] == "link"}
    for unit in units:
        if unit[0] == "agent":
            yield from agent_triples(extractor_version)
        elif unit[0] == "paper":
            yield from paper_triples(papers[unit[1]])
        elif unit[0] == "entity":
            yield from entity_triples(entities[unit[1]], counts.get(unit[1], 0))
    for link in links:
        if (link.paper_key, link.entity_key) in wanted_links or link.paper_key in touched_papers:
            yield from link_triples(link, entities[link.entity_key].type, agent, papers.get(link.paper_key))
