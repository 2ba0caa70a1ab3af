"""Named, parameterised SPARQL queries kept in ``ontology/queries/*.rq``.

Each file is one query; its name is the file name without ``.rq``. A header of comment lines
documents it::

    # title: Papers that use an entity
    # description: Papers linked to the entity ... (repeat the key to continue)
    # param: entity string  label, alias or key of the entity, case-insensitive
    # param: limit integer = 20  most rows to return

``# param: NAME KIND [= DEFAULT]  DESCRIPTION`` declares a parameter; one with a default is
optional. In the body the parameter is written ``$NAME``. That is SPARQL variable syntax, so
the files stay valid SPARQL for editors and linters; to keep the two apart, a query may not
also use ``?NAME``. :func:`render` replaces each ``$NAME`` token (never inside a string, IRI
or comment) with the value serialised as one SPARQL term, so a value can never change the
query's structure:

``string``   a string literal, escaped by pyoxigraph (``"a \\"quoted\\" name"``)
``integer``  a non-negative integer token (usable in ``LIMIT``)
``iri``      an IRI, validated by pyoxigraph (``<https://...>``)
``type``     an entity type name (``Method``, ``model``, ...), as its ontology class IRI
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.graph import python_value
from kg.model import ENTITY_TYPES
from kg.vocab import ONTOLOGY_DIR

QUERY_DIR = ONTOLOGY_DIR / "queries"
KGO_NS = "https://w3id.org/kg-ml/ontology#"
KINDS = ("string", "integer", "iri", "type")

_PARAM_LINE = re.compile(r"^#\s*param:\s*(?P<name>[A-Za-z_]\w*)\s+(?P<kind>\w+)(?:\s*=\s*(?P<default>\S+))?(?:\s+(?P<doc>.*))?$")
_HEADER_LINE = re.compile(r"^#\s*(?P<key>title|description):\s*(?P<value>.*)$")
_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_PLACEHOLDER = re.compile(r"\$([A-Za-z_]\w*)")
_VARIABLE = re.compile(r"\?([A-Za-z_]\w*)")


class QueryError(ValueError):
    """A named query that does not exist, is malformed, or got bad parameters."""


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of a named query."""

    name: str
    kind: str  # one of KINDS
    description: str = ""
    default: str | None = None

    @property
    def required(self) -> bool:
        """Whether the caller must give a value (no default)."""
        return self.default is None


@dataclass(frozen=True)
class NamedQuery:
    """One query of ``ontology/queries``, parsed but not yet rendered."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: Path

    @classmethod
    def from_text(cls, name: str, text: str, path: Path | None = None) -> NamedQuery:
        """Parse query ``text`` written in the named-query format (for ``.rq`` files outside the catalogue)."""
        return _parse(name, path or Path(f"{name}.rq"), text)

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``; :class:`QueryError` if there is none."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "no parameters"
        raise QueryError(f"query {self.name!r} has no parameter {name!r} (it takes: {known})")


def _tokens(text: str):
    """Split SPARQL ``text`` into (is_code, chunk) pieces; strings, IRIs and comments are not code.

    Enough of the SPARQL lexer to find placeholders safely: string literals in all four quote
    styles with backslash escapes, IRI references, and ``#`` comments.
    """
    i, n, start = 0, len(text), 0
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise QueryError(f"unterminated string literal at offset {i}")
            end = j + len(quote)
        elif c == "<" and (match := _IRIREF.match(text, i)):
            end = match.end()
        else:
            i += 1
            continue
        if start < i:
            yield True, text[start:i]
        yield False, text[i:end]
        i = start = end
    if start < n:
        yield True, text[start:]


def _parse(name: str, path: Path, text: str) -> NamedQuery:
    title, description, parameters = "", [], []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        if match := _HEADER_LINE.match(stripped):
            if match["key"] == "title":
                title = match["value"].strip()
            else:
                description.append(match["value"].strip())
        elif stripped.startswith("# param:") or stripped.startswith("#param:"):
            match = _PARAM_LINE.match(stripped)
            if not match or match["kind"] not in KINDS:
                raise QueryError(f"{path}: line {number}: expected '# param: NAME {'|'.join(KINDS)} [= DEFAULT]  DESCRIPTION'")
            parameter = Parameter(match["name"], match["kind"], (match["doc"] or "").strip(), match["default"])
            if parameter.default is not None:
                try:
                    _serialise(name, parameter, parameter.default)
                except QueryError as error:
                    raise QueryError(f"{path}: line {number}: bad default: {error}") from None
            parameters.append(parameter)
    code = "".join(chunk for is_code, chunk in _tokens(text) if is_code)
    used = set(_PLACEHOLDER.findall(code))
    declared = {p.name for p in parameters}
    if undeclared := used - declared:
        raise QueryError(f"{path}: placeholder(s) {', '.join('$' + u for u in sorted(undeclared))} not declared with '# param:'")
    if unused := declared - used:
        raise QueryError(f"{path}: parameter(s) {', '.join(sorted(unused))} declared but never used as $NAME")
    if clash := declared & set(_VARIABLE.findall(code)):
        raise QueryError(f"{path}: ?{sorted(clash)[0]} is also a parameter name; rename the variable")
    if not title:
        raise QueryError(f"{path}: line 1: missing '# title:' header")
    return NamedQuery(name, title, " ".join(description), tuple(parameters), text, path)


def list_queries(directory: Path = QUERY_DIR) -> list[NamedQuery]:
    """Every named query in ``directory``, sorted by name."""
    return [_load(path) for path in sorted(directory.glob("*.rq"))]


def load_query(name: str, directory: Path = QUERY_DIR) -> NamedQuery:
    """The query called ``name`` (file ``<name>.rq``); :class:`QueryError` naming the known ones if none."""
    path = directory / f"{name}.rq"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name) or not path.is_file():
        known = ", ".join(p.stem for p in sorted(directory.glob("*.rq")))
        raise QueryError(f"unknown query {name!r}; known queries: {known}")
    return _load(path)


def _load(path: Path) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryError(f"{path}: cannot read: {error}") from None
    return _parse(path.stem, path, text)


def _serialise(query: str, parameter: Parameter, value: str) -> str:
    """``value`` as one SPARQL term of the parameter's kind."""
    where = f"parameter {parameter.name!r} of query {query!r}"
    if parameter.kind == "string":
        return str(ox.Literal(value))
    if parameter.kind == "integer":
        if not re.fullmatch(r"\s*\+?[0-9]+\s*", value):
            raise QueryError(f"{where} must be a non-negative integer, got {value!r}")
        return str(int(value))
    if parameter.kind == "iri":
        try:
            return str(ox.NamedNode(value.strip()))
        except ValueError as error:
            raise QueryError(f"{where} must be an IRI, got {value!r} ({error})") from None
    if parameter.kind == "type":
        by_lower = {t.lower(): t for t in ENTITY_TYPES}
        if value.strip().lower() not in by_lower:
            raise QueryError(f"{where} must be one of {', '.join(ENTITY_TYPES)}, got {value!r}")
        return str(ox.NamedNode(KGO_NS + by_lower[value.strip().lower()]))
    raise QueryError(f"{where} has unknown kind {parameter.kind!r}")  # unreachable: _parse checks kinds


def render(named: NamedQuery, params: dict[str, str] | None = None) -> str:
    """The query text with every ``$NAME`` replaced by its value as a safely serialised term.

    ``params`` maps parameter names to string values (as a command line gives them); missing
    optional parameters take their defaults. Raises :class:`QueryError` for an unknown
    parameter, a missing required one, or a value that is not of the parameter's kind.
    """
    params = dict(params or {})
    for name in params:
        named.parameter(name)  # raises for unknown names
    values = {}
    for parameter in named.parameters:
        value = params.get(parameter.name, parameter.default)
        if value is None:
            raise QueryError(
                f"query {named.name!r} needs parameter {parameter.name!r} ({parameter.kind}: {parameter.description})"
            )
        values[parameter.name] = _serialise(named.name, parameter, str(value))
    return "".join(
        _PLACEHOLDER.sub(lambda m: values[m.group(1)], chunk) if is_code else chunk
        for is_code, chunk in _tokens(named.text)
    )


def select(store: ox.Store, query: str) -> tuple[list[str], list[tuple]]:
    """Run a SELECT ``query`` on ``store``: (column names, rows of plain Python values)."""
    result = store.query(query)
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("not a SELECT query")
    columns = [v.value for v in result.variables]
    rows = [tuple(python_value(solution[c]) for c in columns) for solution in result]
    return columns, rows


def run(store: ox.Store, name: str, params: dict[str, str] | None = None) -> tuple[list[str], list[tuple]]:
    """Render the named query with ``params`` and run it on ``store``: (columns, rows)."""
    return select(store, render(load_query(name), params))
