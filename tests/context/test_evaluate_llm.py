"""`fillin eval` against the real llama.cpp server (the session's `llama_server`, SmolLM2) on
a copy of a fixture repository: the report's figures must agree with the holes it made, and
the repository must be left exactly as it was. A 135M model's text is not stable, so the
test checks structure and arithmetic, not which holes it filled.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PY_SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "py_shop"
N_HOLES = 2

# Small budgets keep the run short on a busy machine; the model still sees real context.
SETTINGS = """\
[context]
maxPromptTokens = 160

[model]
maxTokens = 16
"""


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its size and modification time."""
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
    }


@pytest.mark.llm
def test_eval_report_is_consistent_with_its_holes(llama_server: str, tmp_path: Path) -> None:
    root = tmp_path / "py_shop"
    shutil.copytree(PY_SHOP, root)
    (root / "fillin.toml").write_text(SETTINGS, encoding="utf-8")
    before = snapshot(root)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "lsp_server", "eval", str(root), "--json"]
    command += ["--holes", str(N_HOLES), "--seed", "1", "--languages", "python"]
    command += ["--backend", "llamacpp", "--url", llama_server]

    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=280)

    assert completed.returncode == 0, completed.stderr
    assert "holes" in completed.stderr  # The progress went to stderr, the report to stdout.
    report: dict[str, Any] = json.loads(completed.stdout)
    assert snapshot(root) == before
    assert (tmp_path / "cache" / "fillin").is_dir()

    assert report["holesMade"] == N_HOLES
    n_run = report["holesRun"]
    assert n_run == N_HOLES and report["stoppedEarly"] is False
    assert sum(report["holesByKind"].values()) == n_run
    assert report["holesByKind"]["cross-file"] == N_HOLES // 2
    assert len(report["attempts"]) == 2 * n_run
    for configuration in ("baseline", "fillin"):
        figures = report["configurations"][configuration]
        every = figures["all"]
        attempts = [a for a in report["attempts"] if a["configuration"] == configuration]
        assert every["holes"] == n_run == len(attempts)
        assert sum(every["outcomes"].values()) == n_run
        assert every["exact"] == sum(a["exact"] for a in attempts) <= n_run
        assert every["suggestions"] == sum(1 for a in attempts if a["suggestion"].strip())
        assert every["valid"] == sum(1 for a in attempts if a["valid"])
        assert every["valid"] <= every["suggestions"] <= every["holes"]
        for share in ("exactMatch", "editSimilarity"):
            assert 0.0 <= every[share] <= 1.0
        if every["validShare"] is not None:
            assert 0.0 <= every["validShare"] <= 1.0
        assert every["editSimilarity"] == pytest.approx(
            sum(a["similarity"] for a in attempts) / n_run
        )
        assert every["totalMs"]["n"] == n_run
        assert every["totalMs"]["p50"] <= every["totalMs"]["p95"]
        assert figures["cross-file"]["holes"] + figures["plain"]["holes"] == n_run
        assert "error" not in every["outcomes"], [a["detail"] for a in attempts]
    for attempt in report["attempts"]:
        source = (root / attempt["path"]).read_text(encoding="utf-8").split("\n")
        assert source[attempt["line"] - 1].strip() == attempt["expected"]
        assert attempt["exact"] == (attempt["suggestion"].strip() == attempt["expected"])
