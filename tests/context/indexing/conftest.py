"""Fixtures of the index tests: fixture repositories copied to a temporary folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from context.settings import IndexSettings
from context.workspace import Workspace


@pytest.fixture
def copy_repo(fixtures_dir: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Copy tests/fixtures/repos/<name> into tmp_path (tests may change the copy)."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(fixtures_dir / "repos" / name, target)
        return target

    return copy


@pytest.fixture
def open_workspace(tmp_path: Path) -> Iterator[Callable[..., Workspace]]:
    """Open a `Workspace` whose database lives in tmp_path; every one is closed afterwards."""
    opened: list[Workspace] = []

    def make(root: Path, settings: IndexSettings | None = None) -> Workspace:
        workspace = Workspace(
            root, settings or IndexSettings(), db_path=tmp_path / f"index-{len(opened)}.sqlite3"
        )
        opened.append(workspace)
        return workspace

    yield make
    for workspace in opened:
        workspace.close()
