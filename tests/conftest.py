"""Fixtures shared by every test layer."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """tests/fixtures: small real repositories on disk."""
    return FIXTURES


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the repository (read-only datasets)."""
    return SHARED_DATA
