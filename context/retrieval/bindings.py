"""Name lookup for one file: what a name used in it refers to, through its imports and the index.

`Bindings.of(store, path, language)` reads the file's imports from the index once; `resolve`
then answers "which definitions does `name` mean here?" in the order a compiler would look:

1. a name the file imports (`from .models import Cart`, `import {Cart} from "./cart"`,
   `use crate::cart::Cart`, `import com.acme.Cart`), looked up in the file it resolved to and,
   when that file only re-exports it, one or two re-exports further;
2. the file's own top-level definitions;
3. definitions in files it imports wholesale (`from x import *`, `#include "x.h"`, Java
   `import a.b.*`, Go packages' sibling files), and in Java the classes of its own
   package's folder, which need no import;
4. in C, C++ and Go (headers are included transitively, a package spans files) or in a file
   with wildcard imports, any top-level definition of that name in the workspace, nearest
   path first, when the name is not too common to mean anything.

`module_paths(name)` answers "is `name` a module alias, and which files does it stand for?"
(`import numpy as np`, `import * as api from "./api"`, Go's `store.Open`, `mod report;`).

Guarantees: a file's definitions and imports are read once per `Bindings` value (which lives
for one request), so resolving many names costs one query per file they lead to, plus one
per name that no import explains.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from context.imports.go import package_name
from context.imports.resolve import resolve_import
from context.index.store import ImportRow, IndexStore, SymbolRow
from context.retrieval.barrels import namespace_reexport
from context.retrieval.rowcache import FILE_ROWS

MAX_GLOBAL_CANDIDATES = 6
"""A name defined in more places than this, none of them imported, is too common to guess."""

_MAX_REEXPORT_DEPTH = 3
_IMPLICIT_SCOPE_LANGUAGES = frozenset({"c", "cpp", "go"})
"""Languages whose files see names they do not import one by one (headers included
transitively, Go's whole package)."""
_TYPE_KINDS = frozenset({"class", "interface", "struct", "type", "enum", "trait", "union"})


@dataclass(frozen=True)
class Binding:
    """One local name that an import introduces."""

    original: str
    """The name in the module it comes from (`default` and `*` for JavaScript's)."""
    paths: tuple[str, ...]
    """The workspace files the import resolved to; empty for an external package."""
    module: str
    kind: str


@dataclass
class Bindings:
    """The names one file can see through its imports, and a per-request lookup cache."""

    store: IndexStore
    path: str
    language: str
    names: dict[str, Binding]
    modules: dict[str, tuple[str, ...]]
    """Local module aliases -> the files they stand for."""
    wildcard_paths: tuple[str, ...]
    """Files whose every top-level name is visible (star imports, includes, Go packages)."""
    _cache: dict[str, list[SymbolRow]] = field(default_factory=dict)
    _imports: dict[str, list[ImportRow]] = field(default_factory=dict)
    _files: dict[str, list[SymbolRow]] = field(default_factory=dict)
    _top_level: dict[str, dict[str, list[SymbolRow]]] = field(default_factory=dict)
    _global: dict[str, list[SymbolRow]] = field(default_factory=dict)

    @classmethod
    def of(cls, store: IndexStore, path: str, language: str) -> Bindings:
        """The bindings of the file `path` (root-relative) as the index last saw it."""
        names: dict[str, Binding] = {}
        modules: dict[str, tuple[str, ...]] = {}
        wildcard: list[str] = []
        for row in FILE_ROWS.imports(store, path):
            _bind(store.root, language, row, names, modules, wildcard)
        return cls(store, path, language, names, modules, tuple(dict.fromkeys(wildcard)))

    @cached_property
    def imported_paths(self) -> tuple[str, ...]:
        """Every workspace file this file imports, in import order."""
        paths: list[str] = []
        for binding in self.names.values():
            paths.extend(binding.paths)
        for module_paths in self.modules.values():
            paths.extend(module_paths)
        paths.extend(self.wildcard_paths)
        return tuple(dict.fromkeys(p for p in paths if p != self.path))

    @property
    def is_searching_globally(self) -> bool:
        """Whether names that no import explains may come from any workspace file: in C,
        C++ and Go, and in a file with wildcard imports."""
        return self.language in _IMPLICIT_SCOPE_LANGUAGES or bool(self.wildcard_paths)

    def defining_paths(self, names: Sequence[str]) -> list[str]:
        """The files that define any of `names` at top level, as far as resolved so far."""
        return [
            row.rel_path
            for name in names
            for row in (self._cache.get(name) or self._global.get(name) or ())
        ]

    def prefetch(self, names: Sequence[str]) -> None:
        """Look up, in one query, the names among `names` that no import or own definition
        explains, so that resolving them later costs nothing more."""
        if not self.is_searching_globally:
            return
        own = self._top_level_of(self.path)
        wanted = [n for n in dict.fromkeys(names) if n not in self._global and n not in own]
        wanted = [n for n in wanted if n not in self.names or not self.names[n].paths]
        if not wanted:
            return
        for name in wanted:
            self._global[name] = []
        for row in self.store.definitions_named(wanted, top_level=True):
            self._global[row.name].append(row)

    def resolve(self, name: str) -> list[SymbolRow]:
        """The top-level definitions `name` refers to in this file, most likely first."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self._resolve(name)
            self._cache[name] = cached
        return cached

    def resolve_type(self, name: str) -> list[SymbolRow]:
        """Like `resolve`, keeping only classes, structs, interfaces, traits and types."""
        return [row for row in self.resolve(name) if row.kind in _TYPE_KINDS]

    def module_paths(self, name: str) -> tuple[str, ...]:
        """The files a module alias stands for, or () when `name` is not one."""
        found = self.modules.get(name)
        if found is not None:
            return found
        binding = self.names.get(name)
        if binding is None or binding.kind not in ("import", "require"):
            return ()
        rows = self.resolve(name)
        # A Rust `use crate::parser;` resolves to the `mod parser;` line that declares the
        # module: the module's own file is what the name stands for.
        if binding.paths and all(row.kind == "module" for row in rows):
            if binding.original == "default" and not rows:
                # A default export that is no named definition is an object of functions.
                return binding.paths
            # `from pkg import sub`, `use crate::{models}`: the name is itself a module.
            return self._submodule(binding)
        return ()

    def members(self, container: str, paths: tuple[str, ...] = ()) -> list[SymbolRow]:
        """The members of `container`, from `paths` (or their Go packages) when given."""
        rows = self.store.members(container)
        if paths:
            rows = [r for r in rows if _is_in(r.rel_path, paths, self.language)]
        return rows

    def in_module(self, name: str, paths: tuple[str, ...]) -> list[SymbolRow]:
        """The top-level definitions of `name` in the module made of `paths`."""
        return self._follow(name, paths, depth=0)

    def _resolve(self, name: str) -> list[SymbolRow]:
        binding = self.names.get(name)
        if binding is not None and binding.paths:
            found = self._follow(binding.original, binding.paths, depth=0)
            if not found and binding.original == "default":
                found = self._default_export(name, binding.paths)
            if not found and self.language in ("java", "rust"):
                # `import a.b.Frame.Opcode;` resolves to Frame.java, where Opcode is nested;
                # `use crate::m::tests::Probe;` to m's file, where `mod tests { .. }` holds it.
                found = self._nested_types(binding.original, binding.paths)
            if found:
                return found
        own = self._top_level_of(self.path).get(name, [])
        if own:
            return own
        if binding is not None and binding.paths:
            # Bound by an import that leads to no definition of it: nothing better to guess.
            return []
        if self.language == "java" and binding is None:
            # A Java package is a folder: its other classes need no import.
            same = [
                r
                for r in self.store.definitions(name, limit=50)
                if r.container is None
                and posixpath.dirname(r.rel_path) == posixpath.dirname(self.path)
            ]
            if same:
                return same
        if not self.is_searching_globally:
            # Where every outside name is imported explicitly, a name that no import brings
            # and the file does not define is local or built in: a namesake elsewhere would
            # only mislead.
            return []
        rows = self._global.get(name)
        if rows is None:
            rows = [r for r in self.store.definitions(name, limit=50) if r.container is None]
        if self.language == "go":
            # A Go package is a directory: its sibling files' names are visible unqualified.
            own = [r for r in rows if _is_in(r.rel_path, (self.path,), "go")]
        if own:
            return own
        wildcard = [r for r in rows if _is_in(r.rel_path, self.wildcard_paths, self.language)]
        if wildcard:
            return wildcard
        imported = set(self.imported_paths)
        preferred = [r for r in rows if r.rel_path in imported]
        if preferred:
            return preferred
        if binding is not None and not binding.paths:
            # An import from an external package: a workspace definition is a namesake.
            return []
        if not rows or len(rows) > MAX_GLOBAL_CANDIDATES:
            return []
        return sorted(rows, key=lambda r: _distance(self.path, r.rel_path))[:2]

    def _follow(self, name: str, paths: tuple[str, ...], depth: int) -> list[SymbolRow]:
        """Definitions of `name` in `paths`, following re-exports a few files deep."""
        if name in ("*", "default"):
            return []
        rows = [row for path in paths for row in self._top_level_of(path).get(name, ())]
        if rows or depth >= _MAX_REEXPORT_DEPTH:
            return rows
        for path in paths:
            for row in self._imports_of(path):
                if row.resolved_path is None:
                    continue
                for imported in row.names:
                    if imported.local_name == name or imported.name == "*":
                        original = name if imported.name == "*" else imported.name
                        if original == "default":
                            # `import Ruleset from './ruleset.js'` in a barrel: a default
                            # export is found by its name, as `_default_export` finds it.
                            original = name
                        found = self._follow(original, (row.resolved_path,), depth + 1)
                        if found:
                            return found
        return []

    def reexported_names(self, path: str) -> list[str]:
        """The names that the file `path` imports from other workspace files (a package's
        `__init__`, an `index.js`, a Rust `mod.rs` re-export them)."""
        return [
            n.local_name
            for row in self._imports_of(path)
            if row.resolved_path
            for n in row.names
            if n.name != "*"
        ]

    def definitions_in_file(self, path: str) -> list[SymbolRow]:
        """The definitions of one file in source order, read once per request."""
        rows = self._files.get(path)
        if rows is None:
            rows = FILE_ROWS.definitions(self.store, path)
            self._files[path] = rows
        return rows

    def _top_level_of(self, path: str) -> dict[str, list[SymbolRow]]:
        """A file's top-level definitions by name: one query per file, not one per name."""
        found = self._top_level.get(path)
        if found is None:
            found = self._top_level[path] = FILE_ROWS.top_level(self.definitions_in_file(path))
        return found

    def _imports_of(self, path: str) -> list[ImportRow]:
        """The imports of another file, read once per request."""
        rows = self._imports.get(path)
        if rows is None:
            rows = FILE_ROWS.imports(self.store, path)
            self._imports[path] = rows
        return rows

    def _nested_types(self, name: str, paths: tuple[str, ...]) -> list[SymbolRow]:
        """The types named `name` declared inside another type of the files `paths`."""
        return [
            row
            for path in paths
            for row in self.definitions_in_file(path)
            if row.name == name and row.container is not None and row.kind in _TYPE_KINDS
        ]

    def _default_export(self, name: str, paths: tuple[str, ...]) -> list[SymbolRow]:
        """JavaScript's default export, when a definition in the file has the import's name."""
        return [row for path in paths for row in self._top_level_of(path).get(name, ())]

    def _submodule(self, binding: Binding) -> tuple[str, ...]:
        """The files of `binding` read as a module below the one it was imported from."""
        module, name = binding.module, binding.original
        if self.language == "python":
            joined = f"{module}{name}" if module.endswith(".") else f"{module}.{name}"
        elif self.language == "rust":
            joined = f"{module}::{name}" if module else name
        elif self.language in ("javascript", "typescript", "tsx"):
            # `import { util } from "./index.js"` where the barrel has `export * as util`.
            return namespace_reexport(self.store, binding.paths, name)
        else:
            return ()
        return resolve_import(self.store.root, self.path, joined, self.language).paths


def _bind(
    root: Path,
    language: str,
    row: ImportRow,
    names: dict[str, Binding],
    modules: dict[str, tuple[str, ...]],
    wildcard: list[str],
) -> None:
    """Record what one import statement binds."""
    paths: tuple[str, ...] = (row.resolved_path,) if row.resolved_path else ()
    if language == "go" and paths:
        # The index keeps one file per import; a Go package is every file of its directory.
        paths = resolve_import(root, row.rel_path, row.module, language).paths or paths
    if row.alias:
        modules[row.alias] = paths
    elif row.kind in ("include", "system"):
        wildcard.extend(paths)
        return
    elif row.kind == "mod":
        modules[row.module] = paths
        return
    elif not row.names:
        local = (
            package_name(root, row.module, paths)
            if language == "go"
            else _implicit_module_name(language, row.module)
        )
        if local:
            modules.setdefault(local, paths)
    if language in ("go", "java") and paths and any(n.name == "*" for n in row.names):
        wildcard.extend(paths)
    for imported in row.names:
        if language == "rust" and imported.name == "self" and paths:
            # `use crate::ast::{self, Ast}` binds the module `ast` itself.
            modules[imported.alias or _implicit_module_name(language, row.module)] = paths[:1]
            continue
        if imported.name == "*":
            if imported.alias:
                modules[imported.alias] = paths
            else:
                wildcard.extend(paths)
            continue
        known = names.get(imported.local_name)
        if known is not None and known.paths and not paths:
            # A re-import that leads nowhere (`from rich.console import Console` in a
            # `__main__` block, the package named as installed) names the same thing as
            # the import that found its file: it must not hide that file.
            continue
        names[imported.local_name] = Binding(imported.name, paths, row.module, row.kind)


def _implicit_module_name(language: str, module: str) -> str:
    """The name an unaliased module import binds: Python `import a.b` binds `a`, Rust's
    `use a::b;` binds `b` (Go's: `imports.go.package_name`)."""
    if language == "python":
        return module.lstrip(".").split(".", 1)[0]
    if language == "rust":
        return module.rsplit("::", 1)[-1]
    return ""


def _distance(a: str, b: str) -> int:
    """How far apart two paths are in the tree: steps up from `a`, then down to `b`."""
    a_parts = a.split("/")[:-1]
    b_parts = b.split("/")[:-1]
    common = 0
    for x, y in zip(a_parts, b_parts, strict=False):
        if x != y:
            break
        common += 1
    return (len(a_parts) - common) + (len(b_parts) - common)


def _is_in(rel_path: str, paths: tuple[str, ...], language: str) -> bool:
    """Whether `rel_path` is one of `paths`, or in Go, in the package directory of one."""
    if rel_path in paths:
        return True
    if language != "go":
        return False
    directory = posixpath.dirname(rel_path)
    return any(posixpath.dirname(p) == directory for p in paths)
