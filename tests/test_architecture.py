"""ARCHITECTURE.md's code map names every module of `context/` and `lsp_server/`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("context", "lsp_server")


def _code_map(package: str) -> str:
    """The code map's section for `package` (headed "### `package/`")."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    code_map = text.split("## Code map", 1)[1].split("\n## ", 1)[0]
    return code_map.split(f"### `{package}/`", 1)[1].split("\n### ", 1)[0]


def _modules() -> list[tuple[str, Path]]:
    """(package, path relative to the package) of every module and sub-package."""
    found = []
    for package in PACKAGES:
        base = ROOT / package
        for path in sorted(base.rglob("*.py")):
            relative = path.relative_to(base)
            if relative.name == "__init__.py":
                if relative.parent != Path("."):
                    found.append((package, relative.parent))
                continue
            found.append((package, relative))
    return found


def _named(code_map: str, relative: Path) -> bool:
    """Whether the map names `relative`, as a path (`prompt/assemble.py`) or as a file
    under its package's entry (`prompt/`: ... `assemble.py`)."""
    quoted = set(re.findall(r"`([^`]+)`", code_map))
    if relative.suffix == "":
        return f"{relative.as_posix()}/" in quoted
    if relative.as_posix() in quoted:
        return True
    if relative.name not in quoted:
        return False
    parent = relative.parent.as_posix()
    if parent == ".":
        return True
    # A file named alone must sit in its package's bullet.
    return any(
        f"`{parent}/`" in block and f"`{relative.name}`" in block
        for block in re.split(r"\n(?=- )", code_map)
    )


@pytest.mark.parametrize(
    ("package", "relative"), _modules(), ids=lambda v: str(v) if isinstance(v, Path) else v
)
def test_the_code_map_names_the_module(package: str, relative: Path) -> None:
    assert _named(_code_map(package), relative), (
        f"ARCHITECTURE.md's code map does not name {package}/{relative.as_posix()}"
    )
