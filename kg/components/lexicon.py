"""Word lists kept as data in ``kg/data`` and the name normalisation of GUIDELINE.md."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_NORM_RE = re.compile(r"[\s\-._]+")


def norm_key(name: str) -> str:
    """Return the matching key of GUIDELINE.md: lower-case, no spaces, hyphens, dots, underscores."""
    return _NORM_RE.sub("", name.lower())


def singular_key(key: str) -> str:
    """Return ``key`` without a plural ``s`` (``ssms`` → ``ssm``); short keys are kept."""
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        return key[:-1]
    return key


def _data_lines(name: str) -> list[str]:
    text = resources.files("kg.data").joinpath(name).read_text(encoding="utf-8")
    return [ln.rstrip("\n") for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=None)
def stop_keys() -> frozenset[str]:
    """Normalised keys (singular and plural) of names that are never entities."""
    keys = {norm_key(x) for x in _data_lines("stop_entities.txt")}
    return frozenset(keys | {singular_key(k) for k in keys})


@lru_cache(maxsize=None)
def model_families() -> tuple[str, ...]:
    """Normalised prefixes of model families, longest first."""
    fams = {norm_key(x) for x in _data_lines("model_families.txt")}
    return tuple(sorted(fams, key=len, reverse=True))


@lru_cache(maxsize=None)
def metric_names() -> frozenset[str]:
    """Normalised names of evaluation measures."""
    return frozenset(norm_key(x) for x in _data_lines("metrics.txt"))


@lru_cache(maxsize=None)
def type_cues() -> dict[str, dict[str, str]]:
    """Cue words: ``{"after": {word: type}, "head": {word: type}}``."""
    cues: dict[str, dict[str, str]] = {"after": {}, "head": {}}
    for line in _data_lines("type_cues.tsv"):
        word, etype, where = line.split("\t")
        cues[where][word.lower()] = etype
    return cues
