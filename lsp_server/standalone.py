"""The engine outside an editor: what the command line needs to run it on files on disk.

`fillin complete`, `context`, `validate` and `doctor` read a `FILE:LINE:COL` location
(1-based line and column, the column counting characters), find the project root, merge the
root's settings files with command-line overrides, and open an `Engine` (backend, and the
workspace index when asked) that they close on exit. The engine is the same one the server
builds for an open document, so the command line shows what the editor would get.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from context.document import Document
from context.errors import PositionError
from context.pipeline import Engine
from context.settings import (
    Settings,
    SettingsProblem,
    load_settings,
    replace_model,
)
from context.trust import workspace_layer
from lsp_server.state import with_known_template

ROOT_MARKERS = (
    ".git",
    ".hg",
    "pyproject.toml",
    "fillin.toml",
    "package.json",
    "go.mod",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
    "setup.py",
)
"""Files or directories whose presence marks a project root."""


@dataclass(frozen=True)
class Location:
    """A place in a file: `line` and `column` are 1-based, the column in characters."""

    path: Path
    line: int
    column: int


def parse_location(value: str) -> Location:
    """Parse `FILE:LINE:COL`; raises ValueError with a message saying what is expected."""
    head, sep_col, column = value.rpartition(":")
    path, sep_line, line = head.rpartition(":")
    if not (sep_col and sep_line and line.isdigit() and column.isdigit()) or not path:
        raise ValueError(f"{value!r}: expected FILE:LINE:COL with 1-based numbers, e.g. a.py:3:5")
    if int(line) < 1 or int(column) < 1:
        raise ValueError(f"{value!r}: line and column count from 1")
    return Location(Path(path), int(line), int(column))


def find_root(path: Path) -> Path:
    """The nearest directory at or above `path` holding a root marker (else its directory)."""
    start = path.resolve()
    start = start if start.is_dir() else start.parent
    for directory in (start, *start.parents):
        if any((directory / marker).exists() for marker in ROOT_MARKERS):
            return directory
    return start


def read_document(path: Path) -> Document:
    """A snapshot of a file on disk; raises ValueError for a missing, binary or non-UTF-8 file."""
    from context.header_language import language_for_file

    resolved = path.resolve()
    try:
        data = resolved.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read it ({exc.strerror})") from exc
    if b"\0" in data:
        raise ValueError(f"{path}: a binary file; fillin completes text files only")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    language = language_for_file(resolved, data)
    return Document(
        uri=resolved.as_uri(),
        text=text,
        language_id=language.language_ids[0] if language and language.language_ids else "",
        path=resolved,
    )


def offset_of(document: Document, location: Location) -> int:
    """The character offset of a 1-based location; raises ValueError outside the file."""
    try:
        return document.offset_at(location.line - 1, location.column - 1, "utf-32")
    except PositionError as exc:
        raise ValueError(f"{location.path}:{location.line}:{location.column}: {exc}") from exc


def open_location(spec: str) -> tuple[Location, Document, int]:
    """Parse `FILE:LINE:COL`, read the file and find the offset: what every command on a
    file location starts with. Raises ValueError with a message for the user."""
    location = parse_location(spec)
    document = read_document(location.path)
    return location, document, offset_of(document, location)


def load_root_settings(
    root: Path, model_overrides: Mapping[str, str | None] | None = None
) -> tuple[Settings, list[SettingsProblem]]:
    """The root's settings files merged, with command-line model overrides applied."""
    layer, file_problems = workspace_layer(root)
    settings, problems = load_settings(layer)
    overrides = {k: v for k, v in (model_overrides or {}).items() if v}
    if overrides:
        settings = replace_model(settings, **overrides)
    settings = with_known_template(settings, problems)
    return settings, [*file_problems, *problems]


def print_problems(problems: list[SettingsProblem]) -> None:
    """Print settings problems to stderr, one per line."""
    for problem in problems:
        print(f"fillin: settings: {problem}", file=sys.stderr)


@contextlib.asynccontextmanager
async def open_engine(
    root: Path, settings: Settings, *, with_index: bool = False
) -> AsyncIterator[Engine]:
    """An engine for `root`, closed on exit; `with_index` builds or refreshes the index first."""
    from context.backends import make_backend

    backend = make_backend(settings.model, root=root)
    workspace = None
    try:
        if with_index and settings.index.enabled and settings.context.repository:
            from context.workspace import Workspace

            workspace = Workspace(root, settings.index)
            await workspace.index(None)
        from context.runtime import ModelRuntime

        runtime = ModelRuntime(settings.model.slots)
        yield Engine(
            settings=settings, backend=backend, workspace=workspace, root=root, runtime=runtime
        )
    finally:
        if workspace is not None:
            await asyncio.to_thread(workspace.close)
        await backend.aclose()
