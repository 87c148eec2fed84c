"""Which files of a workspace fillin may read: ignore rules, caps and the crawler.

A file is ignored when any of these holds (the first ones cost no I/O):

- a directory on its way from the root is vendored or tool output (`VENDORED_DIRS`:
  node_modules, virtual environments, site-packages, build, dist, target, .git, ...);
- its name marks it as generated (`GENERATED_PATTERNS`: minified bundles, lockfiles,
  protobuf output, ...);
- a `.gitignore` or `.fillinignore` in the root or any directory above the file says so
  (gitwildmatch semantics through `pathspec`: deeper files win, `!` re-includes; a
  `.fillinignore` is read after the `.gitignore` of the same directory), or so do the user's
  global git excludes (`core.excludesFile`, see `context.git_excludes`), the root's
  `.git/info/exclude` and `IndexSettings.exclude` (patterns relative to the root);
- it lies inside the root but its real path (a symbolic link followed) does not;
- it is larger than `IndexSettings.max_file_bytes`;
- its first 8 KiB contain a NUL byte (binary), a generated-code marker in the first lines
  (`@generated`, `Code generated ... DO NOT EDIT`, `auto-generated`), or a first line over
  4 KiB long (minified code).

The crawler (`IgnoreRules.walk`) yields only files in a supported language, never a link
whose target is outside the root, and stops after
`IndexSettings.max_files` files. `IgnoreRules.is_ignored` answers the same question for
any single path, so retrieval and prompts never show an ignored file.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pathspec

from context.git_excludes import global_exclude_lines
from context.languages import language_for_path

if TYPE_CHECKING:
    # Only for annotations: worker processes import this module and need no settings.
    from context.settings import IndexSettings

VENDORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        ".venv",
        "venv",
        "env",
        "site-packages",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        "build",
        "dist",
        "target",
        "out",
        ".next",
        ".gradle",
        "vendor",
        "third_party",
    }
)
"""Directory names never crawled, wherever they appear."""

GENERATED_PATTERNS = (
    "*.min.js",
    "*.min.mjs",
    "*.min.css",
    "*.bundle.js",
    "*-bundle.js",
    "*_pb2.py",
    "*_pb2.pyi",
    "*_pb2_grpc.py",
    "*.pb.go",
    "*.pb.h",
    "*.pb.cc",
    "*.generated.*",
    "*.g.dart",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "Cargo.lock",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "go.sum",
    "composer.lock",
    "Gemfile.lock",
)
"""File names of generated code and lockfiles."""

SNIFF_BYTES = 8192
"""How much of a file's start is read to detect binary and generated content."""

_GENERATED_MARKER = re.compile(
    rb"@generated|Code generated .* DO NOT EDIT|auto-?generated|DO NOT EDIT", re.IGNORECASE
)
_GENERATED_SPEC = pathspec.GitIgnoreSpec.from_lines(GENERATED_PATTERNS)
_IGNORE_FILES = (".gitignore", ".fillinignore")


@dataclass(frozen=True)
class CrawledFile:
    """One file the crawler found worth indexing."""

    rel_path: str
    path: Path
    size: int
    mtime_ns: int


def content_problem(head: bytes) -> str | None:
    """Why a file whose first bytes are `head` is not indexed, or None when it is fine."""
    head = head[:SNIFF_BYTES]
    if b"\0" in head:
        return "binary"
    first_lines = b"\n".join(head.split(b"\n", 5)[:5])
    if _GENERATED_MARKER.search(first_lines):
        return "generated"
    if len(head) >= 4096 and b"\n" not in head[:4096]:
        return "minified"
    return None


class IgnoreRules:
    """The ignore rules of one workspace root. Thread-safe; ignore files are cached."""

    def __init__(self, root: Path, settings: IndexSettings) -> None:
        self.root = root.resolve()
        self.settings = settings
        self._lock = threading.Lock()
        self._specs: dict[str, pathspec.GitIgnoreSpec | None] = {}
        root_lines = list(settings.exclude)
        info_exclude = self.root / ".git" / "info" / "exclude"
        if info_exclude.is_file():
            root_lines = _read_lines(info_exclude) + root_lines
        # git reads the global excludes first, so the repository's own rules override them.
        root_lines = global_exclude_lines() + root_lines
        self._root_extra = pathspec.GitIgnoreSpec.from_lines(root_lines) if root_lines else None

    def invalidate(self, directory: Path | None = None) -> None:
        """Forget cached ignore files (of one directory, or all) after they changed."""
        with self._lock:
            if directory is None:
                self._specs.clear()
            else:
                self._specs.pop(self._rel(directory) or "", None)

    def _rel(self, path: Path) -> str | None:
        """`path` relative to the root as a POSIX path ('' for the root), None when outside."""
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            try:
                rel = path.resolve().relative_to(self.root)
            except (ValueError, OSError):
                return None
        text = rel.as_posix()
        return "" if text == "." else text

    def _spec(self, rel_dir: str) -> pathspec.GitIgnoreSpec | None:
        """The combined `.gitignore` + `.fillinignore` of one directory (None: none there)."""
        with self._lock:
            if rel_dir in self._specs:
                return self._specs[rel_dir]
        directory = self.root / rel_dir if rel_dir else self.root
        lines: list[str] = []
        for name in _IGNORE_FILES:
            candidate = directory / name
            if candidate.is_file():
                lines.extend(_read_lines(candidate))
        spec = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        with self._lock:
            self._specs[rel_dir] = spec
        return spec

    def _matches(self, rel_path: str, is_dir: bool) -> bool:
        """Whether ignore files and excludes ignore `rel_path` (its parents not considered)."""
        name = rel_path.rsplit("/", 1)[-1]
        if is_dir:
            if name in VENDORED_DIRS:
                return True
        elif _GENERATED_SPEC.match_file(name):
            return True
        probe = rel_path + "/" if is_dir else rel_path
        verdict: bool | None = None
        if self._root_extra is not None:
            verdict = self._root_extra.check_file(probe).include
        parts = rel_path.split("/")
        for depth in range(len(parts)):
            rel_dir = "/".join(parts[:depth])
            spec = self._spec(rel_dir)
            if spec is None:
                continue
            result = spec.check_file(probe[len(rel_dir) + 1 :] if rel_dir else probe).include
            if result is not None:
                verdict = result
        return bool(verdict)

    def _stays_inside(self, path: Path) -> bool:
        """Whether `path`'s real path (links followed) is inside the root's."""
        real = os.path.realpath(path)
        return real == str(self.root) or real.startswith(str(self.root) + os.sep)

    def is_ignored_path(self, path: Path) -> bool:
        """Whether the rules ignore `path` by its name and place alone (no file is read)."""
        rel = self._rel(path)
        if rel is None:
            return path.name in VENDORED_DIRS or bool(_GENERATED_SPEC.match_file(path.name))
        if not rel:
            return False
        if not self._stays_inside(path):
            return True
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            if self._matches("/".join(parts[:depth]), is_dir=True):
                return True
        return self._matches(rel, is_dir=path.is_dir())

    def is_ignored(self, path: Path) -> bool:
        """Whether fillin must not read `path`: ignored by the rules, too big, binary or generated.

        A path outside the root is judged by its name and content only.
        """
        if self.is_ignored_path(path):
            return True
        try:
            if path.is_dir():
                return False
            if path.stat().st_size > self.settings.max_file_bytes:
                return True
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            return False
        return content_problem(head) is not None

    def walk(self) -> Iterator[CrawledFile]:
        """Every indexable file under the root (supported language, not ignored, not too big).

        Stops after `IndexSettings.max_files` files. Symbolic links to directories are not
        followed, so a link cycle cannot trap the crawl. File contents are not read here.
        """
        n_files = 0
        max_files = self.settings.max_files
        max_bytes = self.settings.max_file_bytes
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            directory = self.root / rel_dir if rel_dir else self.root
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            subdirs: list[str] = []
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not self._matches(rel, is_dir=True):
                            subdirs.append(rel)
                        continue
                    if not entry.is_file() or language_for_path(entry.name) is None:
                        continue
                    if entry.is_symlink() and not self._stays_inside(Path(entry.path)):
                        continue
                    stat = entry.stat()
                except OSError:
                    continue
                if stat.st_size > max_bytes or self._matches(rel, is_dir=False):
                    continue
                yield CrawledFile(rel, Path(entry.path), stat.st_size, stat.st_mtime_ns)
                n_files += 1
                if n_files >= max_files:
                    return
            stack.extend(reversed(subdirs))


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
