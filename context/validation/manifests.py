"""The dependencies a project declares, read from its manifests.

`read_manifests(directories)` reads, in each directory given (typically from a file's
directory up to the workspace root), whichever of these exist: pyproject.toml (PEP 621,
dependency groups, Poetry), requirements*.txt, setup.cfg, package.json, go.mod, Cargo.toml,
pom.xml, build.gradle and build.gradle.kts. It returns `Manifests`: the declared names per
ecosystem, normalised so that a lookup by import name works (`PyYAML` is stored as
`pyyaml`, `serde-json` as `serde_json`).

Guarantees: never raises (an unreadable or malformed manifest contributes nothing); reads
are cached by path and modification time; nothing is written.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Manifests:
    """Declared dependencies per ecosystem, and the project's own names."""

    python: frozenset[str] = frozenset()
    """Distribution names, lower case with `-` and `.` as `_`."""
    npm: frozenset[str] = frozenset()
    go_modules: frozenset[str] = frozenset()
    """Module paths: the project's own (from `module`) and its requirements."""
    rust_crates: frozenset[str] = frozenset()
    """Crate names with `-` as `_`, the project's own included."""
    java_groups: frozenset[str] = frozenset()
    """Maven group ids (`com.google.guava`), the project's own included."""
    files: tuple[str, ...] = field(default=())
    """The manifest files that were read."""

    def declares_python(self, module: str) -> bool:
        """Whether the top package of a Python import is a declared distribution's name."""
        return normalize(module.split(".", 1)[0]) in self.python

    def declares_npm(self, package: str) -> bool:
        """Whether an npm package (`lodash`, `@scope/pkg`, `@types/x` via `x`) is declared."""
        return package in self.npm or f"@types/{package}" in self.npm

    def declares_go(self, path: str) -> bool:
        """Whether a Go import path lies in the project's module or a required one."""
        return any(path == m or path.startswith(m + "/") for m in self.go_modules)

    def declares_rust(self, crate: str) -> bool:
        """Whether a crate name (as `use` writes it) is a dependency or the crate itself."""
        return normalize(crate) in self.rust_crates

    def declares_java(self, name: str) -> bool:
        """Whether a Java import shares a declared group id's first two parts (`com.acme`)."""
        parts = name.split(".")
        for group in self.java_groups:
            group_parts = group.split(".")
            n_shared = min(2, len(group_parts))
            if parts[:n_shared] == group_parts[:n_shared]:
                return True
        return False


def normalize(name: str) -> str:
    """A package name as compared here: lower case, `-` and `.` as `_`."""
    return re.sub(r"[-.]+", "_", name.strip().lower())


def read_manifests(directories: Iterable[Path]) -> Manifests:
    """The union of the manifests found in `directories` (see the module docstring)."""
    python: set[str] = set()
    npm: set[str] = set()
    go: set[str] = set()
    rust: set[str] = set()
    java: set[str] = set()
    files: list[str] = []
    for directory in directories:
        for path in _manifest_files(directory):
            try:
                mtime = path.stat().st_mtime
            except OSError:
                continue
            found = _read_one(path, mtime)
            if found is None:
                continue
            files.append(str(path))
            python |= found.python
            npm |= found.npm
            go |= found.go_modules
            rust |= found.rust_crates
            java |= found.java_groups
    return Manifests(
        frozenset(python),
        frozenset(npm),
        frozenset(go),
        frozenset(rust),
        frozenset(java),
        tuple(files),
    )


def _manifest_files(directory: Path) -> Iterator[Path]:
    for name in (
        "pyproject.toml",
        "setup.cfg",
        "package.json",
        "go.mod",
        "Cargo.toml",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
    ):
        path = directory / name
        if path.is_file():
            yield path
    yield from sorted(directory.glob("requirements*.txt"))
    requirements_dir = directory / "requirements"
    if requirements_dir.is_dir():
        yield from sorted(requirements_dir.glob("*.txt"))


@lru_cache(maxsize=256)
def _read_one(path: Path, mtime: float) -> Manifests | None:
    """One manifest's declarations; `mtime` keys the cache."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    name = path.name
    try:
        if name == "pyproject.toml":
            return Manifests(python=frozenset(_pyproject(tomllib.loads(text))))
        if name.endswith(".txt"):
            return Manifests(python=frozenset(_requirements(text.splitlines())))
        if name == "setup.cfg":
            return Manifests(python=frozenset(_setup_cfg(text)))
        if name == "package.json":
            return Manifests(npm=frozenset(_package_json(json.loads(text))))
        if name == "go.mod":
            return Manifests(go_modules=frozenset(_go_mod(text)))
        if name == "Cargo.toml":
            return Manifests(rust_crates=frozenset(_cargo(tomllib.loads(text))))
        if name == "pom.xml":
            return Manifests(java_groups=frozenset(re.findall(r"<groupId>\s*([\w.-]+)", text)))
        return Manifests(java_groups=frozenset(_gradle(text)))
    except (ValueError, tomllib.TOMLDecodeError, configparser.Error, AttributeError, TypeError):
        return None


def _requirement_name(spec: str) -> str | None:
    """The distribution name of a requirement string (`requests[socks]>=2` -> `requests`)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    return normalize(match.group(1)) if match else None


def _requirements(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        egg = re.search(r"#egg=([\w.-]+)", line)
        name = normalize(egg.group(1)) if egg else _requirement_name(line)
        if name:
            yield name


def _pyproject(data: dict[str, Any]) -> Iterator[str]:
    project = data.get("project", {})
    if isinstance(project.get("name"), str):
        yield normalize(project["name"])
    yield from _requirements(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        yield from _requirements(extra)
    for group in data.get("dependency-groups", {}).values():
        yield from _requirements(g for g in group if isinstance(g, str))
    poetry = data.get("tool", {}).get("poetry", {})
    if isinstance(poetry.get("name"), str):
        yield normalize(poetry["name"])
    yield from (normalize(k) for k in poetry.get("dependencies", {}) if k != "python")
    yield from (normalize(k) for k in poetry.get("dev-dependencies", {}))
    for group in poetry.get("group", {}).values():
        yield from (normalize(k) for k in group.get("dependencies", {}))


def _setup_cfg(text: str) -> Iterator[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    if parser.has_option("metadata", "name"):
        yield normalize(parser.get("metadata", "name"))
    if parser.has_option("options", "install_requires"):
        yield from _requirements(parser.get("options", "install_requires").splitlines())
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            yield from _requirements(value.splitlines())


def _package_json(data: dict[str, Any]) -> Iterator[str]:
    if isinstance(data.get("name"), str):
        yield data["name"]
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        yield from data.get(key, {})


def _go_mod(text: str) -> Iterator[str]:
    in_block = False
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if line.startswith("module "):
            yield line.split()[1]
        elif line.startswith("require ("):
            in_block = True
        elif in_block and line == ")":
            in_block = False
        elif in_block and line:
            yield line.split()[0]
        elif line.startswith("require "):
            yield line.split()[1]


def _cargo(data: dict[str, Any]) -> Iterator[str]:
    package = data.get("package", {})
    if isinstance(package.get("name"), str):
        yield normalize(package["name"])
    tables = [data, data.get("workspace", {}), *data.get("target", {}).values()]
    for table in tables:
        for key in ("dependencies", "dev-dependencies", "build-dependencies"):
            yield from (normalize(k) for k in table.get(key, {}))


def _gradle(text: str) -> Iterator[str]:
    for match in re.finditer(r"""["']([\w.-]+):([\w.-]+)(?::[^"']*)?["']""", text):
        yield match.group(1)
    for match in re.finditer(r"""group\s*=?\s*["']([\w.-]+)["']""", text):
        yield match.group(1)
