"""One file's index record: read, check, parse once, extract, resolve imports.

This is the part of indexing that runs in worker processes (see `context.index.indexer`),
so it imports only what parsing needs: no SQLite, no settings. A record crosses back from a
worker with its definitions and imports as the tuples the index stores (`Rows`): pickling
tens of thousands of dataclasses, and unpickling them in the one thread that writes SQLite,
cost more than the writes themselves, and the writer needs only the tuples.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, overload

from context.header_language import language_for_file
from context.ignore import CrawledFile, content_problem
from context.imports.statements import Import, ImportedName
from context.languages import Language, language_for_path
from context.syntax import Definition, extract_all, parse

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolvedImport:
    """An import as written, with its resolution (both None when none was attempted)."""

    statement: Import
    resolved_path: str | None = None
    package: str | None = None


DefinitionRow = tuple[str, str, str | None, int, int, str, str | None]
"""A definition's fields in `Definition`'s order: name, kind, container, start_line_idx,
end_line_idx, signature, doc."""
ImportRow = tuple[int, str, str, str | None, str, str | None, str | None]
"""An import as the index stores it: line_idx, module, names (JSON), alias, kind,
resolved_path, package."""

T = TypeVar("T")
R = TypeVar("R", bound=tuple[Any, ...])


class Rows(Sequence[T], Generic[T, R]):
    """Values kept as the tuples the index stores; a value is built when one is read."""

    __slots__ = ("_build", "rows")

    def __init__(self, rows: Sequence[R], build: Callable[[R], T]) -> None:
        self.rows = rows
        self._build = build

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return [self._build(row) for row in self.rows[index]]
        return self._build(self.rows[index])

    def __iter__(self) -> Iterator[T]:
        return map(self._build, self.rows)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({list(self.rows)!r})"


def definition_rows(definitions: Sequence[Definition]) -> Sequence[DefinitionRow]:
    """The rows of `definitions`, without building anything when they are rows already."""
    if isinstance(definitions, Rows):
        rows: Sequence[DefinitionRow] = definitions.rows
        return rows
    return [
        (d.name, d.kind, d.container, d.start_line_idx, d.end_line_idx, d.signature, d.doc)
        for d in definitions
    ]


def import_rows(imports: Sequence[ResolvedImport]) -> Sequence[ImportRow]:
    """The rows of `imports`, without building anything when they are rows already."""
    if isinstance(imports, Rows):
        rows: Sequence[ImportRow] = imports.rows
        return rows
    return [
        (
            r.statement.line_idx,
            r.statement.module,
            encode_names(r.statement.names),
            r.statement.alias,
            r.statement.kind,
            r.resolved_path,
            r.package,
        )
        for r in imports
    ]


def encode_names(names: Sequence[ImportedName]) -> str:
    """Imported names as the index stores them: JSON, `[name, alias]` where aliased."""
    return json.dumps([[n.name, n.alias] if n.alias else n.name for n in names])


def decode_names(raw: str) -> tuple[ImportedName, ...]:
    """The imported names that `encode_names` wrote."""
    return tuple(
        ImportedName(item) if isinstance(item, str) else ImportedName(item[0], item[1])
        for item in json.loads(raw)
    )


def _definition_of(row: DefinitionRow) -> Definition:
    return Definition(*row)


def _import_of(row: ImportRow) -> ResolvedImport:
    line_idx, module, names, alias, kind, resolved_path, package = row
    return ResolvedImport(
        Import(module, decode_names(names), alias, kind, line_idx), resolved_path, package
    )


@dataclass(frozen=True)
class FileRecord:
    """Everything the index holds about one file, ready to be written."""

    rel_path: str
    language: str
    size: int
    hash: str
    mtime_ns: int
    definitions: Sequence[Definition]
    imports: Sequence[ResolvedImport]
    is_open: bool = False

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle the definitions and imports as plain tuples (see the module docstring)."""
        return (
            _unpickle_record,
            (
                self.rel_path,
                self.language,
                self.size,
                self.hash,
                self.mtime_ns,
                definition_rows(self.definitions),
                import_rows(self.imports),
                self.is_open,
            ),
        )


def _unpickle_record(
    rel_path: str,
    language: str,
    size: int,
    digest: str,
    mtime_ns: int,
    definitions: Sequence[DefinitionRow],
    imports: Sequence[ImportRow],
    is_open: bool,
) -> FileRecord:
    return FileRecord(
        rel_path,
        language,
        size,
        digest,
        mtime_ns,
        Rows(definitions, _definition_of),
        Rows(imports, _import_of),
        is_open,
    )


class ImportResolver(Protocol):
    """Resolve one import of `importer` (root-relative) to (workspace file, external package)."""

    def __call__(
        self, importer: str, statement: Import, language: str
    ) -> tuple[str | None, str | None]: ...


def default_resolver(
    root: Path, include_dirs: Sequence[str], exists: Callable[[str], bool] | None
) -> ImportResolver | None:
    """A resolver backed by `context.imports.resolve_import`, or None when it is absent.

    Answers are cached per importer folder: every `import os` of a package resolves once.
    The resolver lives as long as one refresh (or one workspace's open documents), since
    a new file can change an answer.
    """
    try:
        module: Any = importlib.import_module("context.imports.resolve")
    except ImportError:
        return None
    resolve_import = getattr(module, "resolve_import", None)
    if resolve_import is None:
        return None

    cache: dict[tuple[str, str, str, str, tuple[str, ...]], tuple[str | None, str | None]] = {}

    def resolve(importer: str, statement: Import, language: str) -> tuple[str | None, str | None]:
        names = tuple(n.name for n in statement.names)
        key = (
            _resolution_scope(importer, language),
            language,
            statement.module,
            statement.kind,
            names,
        )
        cached = cache.get(key)
        if cached is not None:
            return cached
        result = resolve_import(
            root,
            importer,
            statement.module,
            language,
            names=names,
            kind=statement.kind,
            include_dirs=include_dirs,
            exists=exists,
        )
        cached = cache[key] = (result.path, result.package or None)
        return cached

    return resolve


def _resolution_scope(importer: str, language: str) -> str:
    """What an import's resolution depends on besides the import: the importer's folder,
    or the importer itself for Rust, whose `self::`/`super::`/`mod` follow the file."""
    if language == "rust":
        return importer
    return importer.rpartition("/")[0]


def content_hash(data: bytes) -> str:
    """The hash the index keeps of a file's content."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def build_record(
    rel_path: str,
    lang: Language,
    data: bytes,
    mtime_ns: int,
    *,
    resolver: ImportResolver | None = None,
    is_open: bool = False,
) -> FileRecord:
    """Parse `data` once and extract what the index keeps about the file."""
    definitions, statements = extract_all(lang, parse(lang, data), data)
    imports = [_resolve(resolver, rel_path, statement, lang) for statement in statements]
    return FileRecord(
        rel_path=rel_path,
        language=lang.name,
        size=len(data),
        hash=content_hash(data),
        mtime_ns=mtime_ns,
        definitions=definitions,
        imports=imports,
        is_open=is_open,
    )


def _resolve(
    resolver: ImportResolver | None, importer: str, statement: Import, lang: Language
) -> ResolvedImport:
    if resolver is None:
        return ResolvedImport(statement)
    try:
        path, package = resolver(importer, statement, lang.name)
    except Exception:
        # Resolution is best effort: a resolver bug must not lose the file's other rows.
        _log.exception("resolving %r in %s failed", statement.module, importer)
        return ResolvedImport(statement)
    return ResolvedImport(statement, path, package)


Outcome = FileRecord | str | None
"""A file's new record; None when only its modification time changed; else why it is skipped."""


def read_record(
    crawled: CrawledFile,
    old_hash: str | None,
    max_file_bytes: int,
    resolver: ImportResolver | None,
) -> Outcome:
    """Read, check and (when its hash differs from `old_hash`) parse one crawled file."""
    if language_for_path(crawled.rel_path) is None:
        return "unsupported"
    try:
        data = crawled.path.read_bytes()
    except OSError as exc:
        return f"unreadable ({exc})"
    if len(data) > max_file_bytes:
        return "too large"
    problem = content_problem(data)
    if problem is not None:
        return problem
    lang = language_for_file(crawled.path, data)
    if lang is None:
        return "unsupported"
    if old_hash is not None and old_hash == content_hash(data):
        return None
    return build_record(crawled.rel_path, lang, data, crawled.mtime_ns, resolver=resolver)


_worker_resolver: ImportResolver | None = None
_worker_max_bytes = 0


def _init_worker(
    root: Path,
    include_dirs: Sequence[str],
    known_paths: frozenset[str],
    max_file_bytes: int,
    should_resolve: bool,
) -> None:
    """Set up a worker process: its resolver sees the crawled files as the workspace.

    The worker's standard output goes to the null device: in `fillin serve` the inherited
    descriptor 1 is the LSP channel, which a stray write would corrupt.
    """
    global _worker_resolver, _worker_max_bytes
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    _worker_max_bytes = max_file_bytes
    if should_resolve:
        _worker_resolver = default_resolver(root, include_dirs, known_paths.__contains__)


def _read_chunk(chunk: Sequence[tuple[CrawledFile, str | None]]) -> list[Outcome]:
    """A worker's task: the outcomes of a few files."""
    return [
        read_record(crawled, old_hash, _worker_max_bytes, _worker_resolver)
        for crawled, old_hash in chunk
    ]
