"""The same document and cursor give the same prompt: `fillin context` in fresh processes.

Each run is a new process with its own hash seed and an empty index directory, so every run
is a cold start (nothing indexed, nothing cached); the prompts must be identical and hold the
receiver's members, which a deadline hit on a cold start used to drop.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

FILLIN = [sys.executable, "-m", "lsp_server"]
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "receivers"
CURSOR_LINE = "        return state.advance(len(chunk))"


def context_json(root: Path, location: str, index_dir: Path, seed: int) -> dict[str, Any]:
    """`fillin context --json` at `location` in a fresh process with a cold index."""
    (root / "fillin.toml").write_text(f'[index]\ndirectory = "{index_dir}"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    done = subprocess.run(
        [*FILLIN, "context", "--json", "--root", str(root), location],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_cold_starts_in_fresh_processes_give_the_same_prompt(tmp_path: Path) -> None:
    root = tmp_path / "receivers"
    shutil.copytree(FIXTURE, root)
    path = "py/engine/runner.py"
    lines = (root / path).read_text(encoding="utf-8").split("\n")
    line_idx = lines.index(CURSOR_LINE)
    column = CURSOR_LINE.index("advance") + 1
    location = f"{path}:{line_idx + 1}:{column}"

    runs = [context_json(root, location, tmp_path / f"index{seed}", seed) for seed in (1, 2, 3)]

    assert runs[0]["prompt"] == runs[1]["prompt"] == runs[2]["prompt"]
    sources = [(s["source"], s["path"]) for s in runs[0]["sections"]]
    assert ("member", "py/engine/state.py") in sources
    assert "def advance(self, steps: int) -> int:" in runs[0]["prompt"]
