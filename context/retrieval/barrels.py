"""Barrel files: the files whose every export a module re-exports wholesale.

A TypeScript package's `index.ts` is often nothing but `export * from "./schemas.js"` lines
(Python's `__init__.py`: `from .core import *`), so `import * as core from "./index.js"`
makes `core.` reach into every one of those files. `star_exported_paths` follows such
re-exports, breadth first, so a module alias's members are found where they are defined.
A barrel may also name a submodule, `export * as util from "./util.js"`, so that
`import { util } from "./index.js"` binds a module: `namespace_reexport` finds its file.

Guarantees: reads only the index's import rows (cached per file version); follows at most
`MAX_DEPTH` levels and returns at most `MAX_FILES` files, each once, the module's own files
first; cycles (`a` re-exports `b`, which re-exports `a`) end.
"""

from __future__ import annotations

from collections.abc import Sequence

from context.index.store import IndexStore
from context.retrieval.rowcache import FILE_ROWS

MAX_DEPTH = 3
MAX_FILES = 64


def star_exported_paths(store: IndexStore, paths: Sequence[str]) -> list[str]:
    """`paths`, then the workspace files they re-export wholesale (`export * from`, without
    `as`: `export * as util from` binds one name, a submodule), level by level."""
    found = list(dict.fromkeys(paths))
    seen = set(found)
    level = list(found)
    for _ in range(MAX_DEPTH):
        following: list[str] = []
        for path in level:
            for row in FILE_ROWS.imports(store, path):
                target = row.resolved_path
                if target is None or target in seen:
                    continue
                if any(n.name == "*" and n.alias is None for n in row.names):
                    seen.add(target)
                    following.append(target)
        found.extend(following)
        if not following or len(found) >= MAX_FILES:
            break
        level = following
    return found[:MAX_FILES]


def namespace_reexport(store: IndexStore, paths: Sequence[str], name: str) -> tuple[str, ...]:
    """The workspace file that `export * as <name> from` binds in `paths` or in the files
    they re-export wholesale, or () when none does."""
    for path in star_exported_paths(store, paths):
        for row in FILE_ROWS.imports(store, path):
            if row.resolved_path and any(n.name == "*" and n.alias == name for n in row.names):
                return (row.resolved_path,)
    return ()
