"""Fixtures shared by every test layer."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from context.settings import IndexSettings
from context.workspace import Workspace

if TYPE_CHECKING:
    from context.backends.embedded import EmbeddedServer

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HUMANEVAL_INFILLING = Path(__file__).resolve().parent / "data" / "humaneval-infilling"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """tests/fixtures: small real repositories on disk."""
    return FIXTURES


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


@pytest.fixture(scope="session")
def humaneval_infilling() -> Path:
    """tests/data/humaneval-infilling: OpenAI's HumanEval-Infilling (MIT), in the repository."""
    return HUMANEVAL_INFILLING


# The llama.cpp server (owned by the backends engineer). One per test session: the
# FIM-patched SmolLM2 GGUF serves /completion, /infill, /v1/completions and
# /v1/chat/completions alike.


@pytest.fixture(scope="session")
def llama_model_path() -> Path:
    """A copy of the default SmolLM2 GGUF that declares FIM tokens (cached across sessions)."""
    from context.backends.model_files import default_model_path, fim_patched_copy

    return fim_patched_copy(default_model_path())


@pytest.fixture(scope="session")
def llama_server_process(llama_model_path: Path) -> Iterator[EmbeddedServer]:
    """The session's real llama.cpp server, started in-process with xllamacpp."""
    from context.backends.embedded import EmbeddedServer
    from context.settings import ModelSettings

    server = EmbeddedServer(llama_model_path, ModelSettings(context_size=4096, threads=2))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def llama_server(llama_server_process: EmbeddedServer) -> str:
    """The base URL of the session's real llama.cpp server, e.g. http://127.0.0.1:40123."""
    return llama_server_process.url
