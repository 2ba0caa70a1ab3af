"""Extraction on a Dask distributed cluster: partitions of papers go to workers, results come back.

Only extraction runs remotely: it is per-paper and almost all of a build's time.
Linking (canonicalisation across the corpus) needs every paper at once and stays on
the machine that called :func:`kg.pipeline.build`, so a distributed build gives the
same graph as a local one.

Workers need ``kg`` and its English pipeline installed (the same version as the
client): they import :mod:`kg.extraction` and build the pipeline once per worker
process. Results travel as :func:`kg.cache.encode_entities` bytes (about 1 KB per
paper), not as pickled objects.

Requires the optional extra ``dask`` (``pip install 'kg[dask]'``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from kg.model import Paper

#: Papers per task: big enough to amortise scheduling, small enough to balance load.
PARTITION_SIZE = 256


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:  # an optional extra
        raise RuntimeError("Dask is not installed: pip install 'kg[dask]' (dask[distributed])") from exc
    return distributed


@contextmanager
def dask_client(address: str, *, workers: int | None = None, processes: bool = True):
    """A :class:`distributed.Client` for ``address``: ``local`` starts a LocalCluster for the call.

    Parameters
    ----------
    address : str
        ``local``, or a scheduler address such as ``tcp://10.0.0.5:8786``.
    workers : int, optional
        Workers of a local cluster (default: one per core, one thread each).
    processes : bool
        Local workers as processes (default) or threads of this process.
    """
    distributed = _import_distributed()
    if address == "local":
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                           dashboard_address=None)
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
    else:
        with distributed.Client(address) as client:
            yield client


def extract_partition(papers: list[Paper], profile: str, batch_size: int = 64) -> list[bytes]:
    """Extract one partition on a worker; the encoded entities of each paper, in order."""
    from kg.cache import encode_entities

    extractor = _worker_extractor(profile)
    return [encode_entities(x.entities) for x in extractor.extract(papers, jobs=1, batch_size=batch_size)]


_EXTRACTORS: dict[str, object] = {}


def _worker_extractor(profile: str):
    """One Extractor per worker process and profile (its spaCy pipeline loads once)."""
    from kg.extraction import Extractor

    if profile not in _EXTRACTORS:
        _EXTRACTORS[profile] = Extractor(profile)
    return _EXTRACTORS[profile]


def extract_on_dask(
    papers: Sequence[Paper],
    *,
    profile: str = "accurate",
    address: str = "local",
    partition_size: int = PARTITION_SIZE,
    batch_size: int = 64,
    in_flight: int | None = None,
    client=None,
) -> Iterator[bytes]:
    """Yield the encoded entities of each paper, in input order, computed on a Dask cluster.

    Parameters
    ----------
    papers
        The papers (as the extractor should read them).
    profile
        Extraction profile.
    address
        ``local`` or a scheduler address (ignored when ``client`` is given).
    partition_size
        Papers per task.
    batch_size
        spaCy batch size on the workers.
    in_flight
        Partitions submitted ahead of the one being collected (default: 4 per worker
        thread), so the client never holds the whole corpus's results at once.
    client
        An existing :class:`distributed.Client` to use.
    """
    if not papers:
        return
    if client is None:
        with dask_client(address) as own:
            yield from extract_on_dask(papers, profile=profile, partition_size=partition_size,
                                       batch_size=batch_size, in_flight=in_flight, client=own)
        return
    if in_flight is None:
        threads = sum(client.nthreads().values()) or 1
        in_flight = 4 * threads
    partitions = (list(papers[i:i + partition_size]) for i in range(0, len(papers), partition_size))
    pending: deque = deque()

    def submit_next() -> bool:
        part = next(partitions, None)
        if part is None:
            return False
        pending.append(client.submit(extract_partition, part, profile, batch_size, pure=False))
        return True

    while len(pending) < in_flight and submit_next():
        pass
    while pending:
        future = pending.popleft()
        result = future.result()
        future.release()
        submit_next()
        yield from result
