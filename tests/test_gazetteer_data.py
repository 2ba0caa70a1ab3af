"""Checks on the gazetteer data file ``kg/data/gazetteer.tsv``.

The gazetteer is hand-written data, so these tests guard its format and its
internal consistency: every row parses, types are valid, and no surface form
points at two entries of different types after the guideline's name
normalisation (lower-case, spaces/hyphens/dots/underscores removed).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

GAZETTEER = Path(__file__).resolve().parents[1] / "kg" / "data" / "gazetteer.tsv"
HEADER = ["name", "type", "aliases"]
VALID_TYPES = {"Method", "Model", "Dataset", "Benchmark", "Task", "Metric"}
MIN_ROWS = 900

# Broad classes the annotation guideline says are not entities.
EXCLUDED_BROAD_TERMS = {
    "large language models", "large language model", "llms", "llm",
    "neural networks", "neural network", "deep learning", "machine learning",
    "generative models", "ai", "language models", "language model",
}


def normalise(text: str) -> str:
    """Match key used by the guideline's scorer."""
    return re.sub(r"[\s\-._]+", "", text.lower())


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, str, str, list[str]]]]:
    """Parse the TSV by hand so that stray tabs or quotes are caught, not absorbed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    header = lines[0].split("\t")
    rows = []
    for lineno, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        assert len(fields) == 3, f"{path.name}:{lineno}: expected 3 tab-separated fields, got {len(fields)}"
        name, etype, aliases = fields
        alias_list = aliases.split("|") if aliases else []
        rows.append((lineno, name, etype, alias_list))
    return header, rows


@pytest.fixture(scope="module")
def gazetteer():
    return read_rows(GAZETTEER)


def test_header(gazetteer):
    header, _ = gazetteer
    assert header == HEADER


def test_enough_rows(gazetteer):
    _, rows = gazetteer
    assert len(rows) >= MIN_ROWS


def test_every_type_is_covered_and_valid(gazetteer):
    _, rows = gazetteer
    bad = [(lineno, etype) for lineno, _, etype, _ in rows if etype not in VALID_TYPES]
    assert not bad, f"invalid types: {bad[:10]}"
    assert {etype for _, _, etype, _ in rows} == VALID_TYPES


def test_names_and_aliases_are_clean(gazetteer):
    _, rows = gazetteer
    for lineno, name, _, aliases in rows:
        assert name and name == name.strip(), f"line {lineno}: empty or padded name {name!r}"
        assert normalise(name), f"line {lineno}: name normalises to nothing"
        for alias in aliases:
            assert alias and alias == alias.strip(), f"line {lineno}: empty or padded alias in {name!r}"
            assert alias != name, f"line {lineno}: alias repeats the name {name!r}"
        assert len(aliases) == len(set(aliases)), f"line {lineno}: repeated alias in {name!r}"


def test_no_duplicate_normalised_names(gazetteer):
    _, rows = gazetteer
    seen: dict[str, tuple[int, str]] = {}
    dups = []
    for lineno, name, _, _ in rows:
        key = normalise(name)
        if key in seen:
            dups.append((seen[key], (lineno, name)))
        seen[key] = (lineno, name)
    assert not dups, f"duplicate names after normalisation: {dups[:10]}"


def test_no_alias_collides_with_a_name_of_another_type(gazetteer):
    _, rows = gazetteer
    name_types = {normalise(name): (name, etype) for _, name, etype, _ in rows}
    clashes = []
    for lineno, name, etype, aliases in rows:
        for alias in aliases:
            other = name_types.get(normalise(alias))
            if other and other[0] != name and other[1] != etype:
                clashes.append((lineno, name, alias, other))
    assert not clashes, f"aliases naming an entry of another type: {clashes[:10]}"


def test_no_surface_form_maps_to_two_entries(gazetteer):
    """A normalised name or alias must pick out one entry, or linking becomes a guess."""
    _, rows = gazetteer
    owners: dict[str, set[str]] = defaultdict(set)
    for _, name, _, aliases in rows:
        for form in [name, *aliases]:
            owners[normalise(form)].add(name)
    ambiguous = {form: sorted(names) for form, names in owners.items() if len(names) > 1}
    assert not ambiguous, f"ambiguous surface forms: {list(ambiguous.items())[:10]}"


def test_broad_classes_are_not_entries(gazetteer):
    _, rows = gazetteer
    forms = {form.lower() for _, name, _, aliases in rows for form in [name, *aliases]}
    assert not forms & EXCLUDED_BROAD_TERMS


@pytest.mark.parametrize(
    "form, expected_type",
    [
        ("DPO", "Method"),
        ("Llama-2", "Model"),
        ("ImageNet", "Dataset"),
        ("MMLU", "Benchmark"),
        ("novel view synthesis", "Task"),
        ("pass@1", "Metric"),
    ],
)
def test_well_known_entities_resolve_to_their_type(gazetteer, form, expected_type):
    _, rows = gazetteer
    types = {etype for _, name, etype, aliases in rows
             if normalise(form) in {normalise(f) for f in [name, *aliases]}}
    assert types == {expected_type}
