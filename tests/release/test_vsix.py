"""The VS Code extension package (.vsix) as `make dist` builds it: the server's wheel inside,
the compiled extension, its manifest and store metadata.

The package is built here the way `make dist` does: the session's wheel is placed at
editors/vscode/server/fillin-VERSION-py3-none-any.whl and `npm run package` writes the .vsix
into a temporary folder (vsce reads the real node_modules, so it runs in the checkout; the
wheel and the compiled out/ are gitignored build output, and the wheel is removed again). It
needs the extension's node_modules (`make dist` and the editor tests install them) and skips
with that reason without them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.release.conftest import REPO_ROOT

VSCODE = REPO_ROOT / "editors" / "vscode"


@pytest.fixture(scope="module")
def vsix(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .vsix built from a copy of editors/vscode carrying the session's wheel."""
    if not (VSCODE / "node_modules" / ".bin" / "vsce").exists() or shutil.which("npm") is None:
        # `make test` installs them first (test-python depends on the node stamp); only a bare
        # pytest run in a checkout without node can land here.
        pytest.skip("the extension's node_modules are not installed (run `make dist` or npm ci)")
    out = tmp_path_factory.mktemp("vsix") / "fillin.vsix"
    placed = VSCODE / "server" / wheel.name
    is_placed_here = not placed.exists()
    placed.parent.mkdir(exist_ok=True)
    shutil.copy(wheel, placed)
    try:
        subprocess.run(
            ["npm", "run", "-s", "package", "--", "--out", str(out)],
            cwd=VSCODE,
            check=True,
            capture_output=True,
            timeout=300,
        )
    finally:
        if is_placed_here:
            placed.unlink()
    return out


def manifest(vsix: Path) -> dict[str, Any]:
    with zipfile.ZipFile(vsix) as archive:
        package: dict[str, Any] = json.loads(archive.read("extension/package.json"))
        return package


def test_vsix_carries_the_wheel_of_the_same_version_and_the_compiled_extension(
    vsix: Path, wheel: Path
) -> None:
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
    package = manifest(vsix)
    assert wheel.name == f"fillin-{package['version']}-py3-none-any.whl"
    assert f"extension/server/{wheel.name}" in names
    assert package["main"].removeprefix("./") in {n.removeprefix("extension/") for n in names}
    assert {"extension.vsixmanifest", "extension/readme.md"} <= names
    assert any(n.startswith("extension/LICENSE") for n in names)
    assert not any(n.endswith((".ts", ".map")) or "/src/" in n for n in names)
    assert package["license"] == "MIT" and package["publisher"]


def test_vsix_manifest_is_store_ready(vsix: Path) -> None:
    package = manifest(vsix)
    assert "private" not in package
    assert package["repository"]
    with zipfile.ZipFile(vsix) as archive:
        assert f"extension/{package['icon']}" in archive.namelist()
