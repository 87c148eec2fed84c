"""Today's behaviour for the benchmarks: the tree of a baseline commit, to run beside this one.

`extract_baseline(ref, into)` writes commit `ref` of this repository (`git archive`, so the
working tree and its worktrees are untouched) into the folder `into`. A benchmark then runs
that tree's code in a subprocess with the folder as its working directory and `PYTHONPATH`,
so the same measurement is made on both in the same run.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = "c9a3e48"
"""The main commit that the work of issue 12 started from."""


def extract_baseline(ref: str, into: Path) -> str:
    """Extract commit `ref` of this repository into `into`; returns its full hash."""
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def environment_for(tree: Path) -> dict[str, str]:
    """The environment that makes a subprocess import the code of `tree`."""
    return {**os.environ, "PYTHONPATH": str(tree)}
