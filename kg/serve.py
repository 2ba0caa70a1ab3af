"""Serve an export over the SPARQL 1.1 Protocol with the Oxigraph server, read-only.

``kg serve DIR`` loads ``DIR/graph.ttl`` into a persistent Oxigraph store (RocksDB) once, then
runs the real Oxigraph HTTP server from the PyPI package ``oxigraph`` on it::

    oxigraph load --location STORE --file DIR/graph.ttl
    oxigraph serve-read-only --location STORE --bind 127.0.0.1:7878 --timeout-s 60

``serve-read-only`` answers ``/query`` (GET and POST, every SPARQL 1.1 result format) and
refuses ``/update`` with 403 Forbidden; an update sent to ``/query`` is a 400 parse error.
Each query is stopped after ``timeout_s`` seconds. The store lives in ``DIR/.oxigraph`` and is
reused while ``graph.ttl`` is unchanged (same size and modification time); a changed file is
loaded into a fresh store that replaces the old one only once loading succeeded.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT_S = 60
STORE_DIRNAME = ".oxigraph"
_STAMP = "source.json"
_DB = "db"


class ServeError(RuntimeError):
    """The store could not be built or the server could not start (one-line message)."""


def oxigraph_executable() -> str:
    """Path of the ``oxigraph`` command: the one installed beside this Python, else on ``PATH``."""
    beside = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise ServeError("the Oxigraph server is not installed: pip install oxigraph")
    return found


def graph_file(export: str | Path) -> Path:
    """The RDF file of an export: ``export/graph.ttl`` for a folder, else ``export`` itself."""
    path = Path(export)
    graph = path / "graph.ttl" if path.is_dir() else path
    if not graph.is_file():
        raise ServeError(f"{graph}: no such file; run `kg build INPUT -o {path}` first")
    return graph


def _stamp(graph: Path) -> dict[str, object]:
    stat = graph.stat()
    return {"file": str(graph.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def prepare_store(export: str | Path, store_dir: str | Path | None = None) -> Path:
    """Load the export's graph into a persistent Oxigraph store; return the store's database folder.

    Parameters
    ----------
    export : str or Path
        Export folder (holding ``graph.ttl``) or an RDF file (``.ttl``, ``.nt``, ``.nq``...).
    store_dir : str or Path, optional
        Where to keep the store; default ``<export folder>/.oxigraph``.

    Returns
    -------
    Path
        The database folder to pass to ``oxigraph serve-read-only --location``.

    Raises
    ------
    ServeError
        The file is missing or Oxigraph cannot parse it (message names file and place).
    """
    graph = graph_file(export)
    root = Path(store_dir) if store_dir is not None else graph.parent / STORE_DIRNAME
    db, stamp_file = root / _DB, root / _STAMP
    stamp = _stamp(graph)
    with contextlib.suppress(OSError, ValueError):
        if db.is_dir() and json.loads(stamp_file.read_text(encoding="utf-8")) == stamp:
            return db
    root.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix="db.loading-", dir=root))
    try:
        command = [oxigraph_executable(), "load", "--location", str(fresh), "--file", str(graph)]
        if graph.suffix.lower() not in (".ttl", ".nt", ".nq", ".trig", ".rdf", ".xml", ".n3", ".jsonld"):
            command += ["--format", "ttl"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ServeError(f"{graph}: Oxigraph cannot load it: {_first_error_line(result.stderr)}")
        # Swap in the new store only now, so a failed load leaves the old one serving.
        if db.exists():
            old = Path(tempfile.mkdtemp(prefix="db.old-", dir=root))
            db.rename(old / _DB)
            shutil.rmtree(old, ignore_errors=True)
        fresh.rename(db)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    tmp = stamp_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(stamp), encoding="utf-8")
    tmp.replace(stamp_file)
    return db


def _first_error_line(output: str) -> str:
    """The informative line of Oxigraph's error output (the parser's position and reason first)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if match := re.search(r"(?:Parser error at )?(line \d+ column \d+: .*)", line):
            return match.group(1)
    for line in lines:
        if line.lower().startswith("error"):
            return line
    return lines[0] if lines else "unknown error"


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts local connections (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port that is free on ``host`` right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as error:
            raise ServeError(f"cannot listen on {_bind(host, port)}: {error.strerror or error}; choose another --port") from None


def server_command(db: Path, host: str, port: int, timeout_s: float = DEFAULT_TIMEOUT_S) -> list[str]:
    """The ``oxigraph serve-read-only`` command line for a store."""
    return [oxigraph_executable(), "serve-read-only", "--location", str(db), "--bind", _bind(host, port),
            "--timeout-s", str(max(1, int(timeout_s)))]


@dataclass
class Server:
    """A running ``oxigraph serve-read-only`` process; stop it with :meth:`stop` or ``with``."""

    process: subprocess.Popen
    host: str
    port: int
    store: Path
    _log: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:7878``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def query_url(self) -> str:
        """The SPARQL 1.1 Protocol query endpoint."""
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        """The update endpoint (refused: the server is read-only)."""
        return self.url + "/update"

    def stop(self, timeout: float = 10.0) -> int:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout`` s); return its exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.process.returncode

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_until_ready(server: Server, log_path: Path, ready_timeout: float) -> None:
    probe = server.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + ready_timeout
    while True:
        if server.process.poll() is not None:
            server.stop()
            message = _first_error_line(log_path.read_text(encoding="utf-8", errors="replace"))
            raise ServeError(f"the Oxigraph server stopped at start: {message}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise ServeError(f"the Oxigraph server did not answer on {server.url} within {ready_timeout:g} s")
        time.sleep(0.05)


def start(
    export: str | Path,
    host: str = DEFAULT_HOST,
    port: int = 0,
    store_dir: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    ready_timeout: float = 30.0,
) -> Server:
    """Start the read-only SPARQL server in the background; return once it answers queries.

    ``port=0`` picks a free port. The caller stops it (``server.stop()`` or ``with start(...) as server``).
    """
    db = prepare_store(export, store_dir)
    port = port or free_port(host)
    _check_port_free(host, port)
    log_path = db.parent / f"server-{port}.log"
    log = log_path.open("w", encoding="utf-8")
    process = subprocess.Popen(server_command(db, host, port, timeout_s), stdin=subprocess.DEVNULL,
                               stdout=log, stderr=subprocess.STDOUT)
    server = Server(process, host, port, db, log)
    _wait_until_ready(server, log_path, ready_timeout)
    return server


def serve(
    export: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    store_dir: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    on_ready: Callable[[Server], None] | None = None,
) -> int:
    """Serve ``export`` until interrupted (Ctrl-C or SIGTERM); return the server's exit status.

    Parameters
    ----------
    export : str or Path
        Export folder written by ``kg build`` (its ``graph.ttl``) or an RDF file.
    host, port
        Address to listen on; loopback by default, so only this machine can query.
    store_dir : str or Path, optional
        Where to keep the persistent store (default ``<export>/.oxigraph``).
    timeout_s : float
        Longest time one query may run.
    on_ready : callable, optional
        Called with the :class:`Server` once it answers (the CLI prints the endpoint URL).

    Raises
    ------
    ServeError
        Missing or unparsable graph, port in use, or a server that fails to start.
    """
    server = start(export, host=host, port=port, store_dir=store_dir, timeout_s=timeout_s)
    previous = None
    with contextlib.suppress(ValueError):  # not the main thread: no handler, Ctrl-C still works
        # SIGTERM would end Python without `finally`, leaving the server behind.
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if on_ready is not None:
            on_ready(server)
        return server.process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
