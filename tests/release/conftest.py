"""The wheel and sdist built from this checkout, once per test session.

They are built with `python -m build` as `make dist` does (the wheel from the sdist), into a
temporary folder, so the tests see what a release would hold; only setuptools' gitignored
egg-info folder is left in the checkout.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the wheel and the sdist of this checkout."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO_ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


@pytest.fixture(scope="session")
def wheel(dist_dir: Path) -> Path:
    """The server's wheel."""
    (path,) = dist_dir.glob("fillin-*-py3-none-any.whl")
    return path


@pytest.fixture(scope="session")
def sdist(dist_dir: Path) -> Path:
    """The server's source distribution."""
    (path,) = dist_dir.glob("fillin-*.tar.gz")
    return path
