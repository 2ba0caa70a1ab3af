"""Shared fixtures: paths to the shared data and the English pipeline, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def nlp():
    """The full English spaCy pipeline (loaded once; slow)."""
    from kg.nlp import load_english

    return load_english()


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def dev_papers(shared: Path) -> Path:
    return shared / "gold" / "dev_papers.json"


@pytest.fixture(scope="session")
def dev_gold(shared: Path) -> Path:
    return shared / "gold" / "dev_gold.json"


@pytest.fixture(scope="session")
def seeds(shared: Path) -> Path:
    return shared / "seeds"


@pytest.fixture
def data_dir() -> Path:
    return DATA
