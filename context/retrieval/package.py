"""Same-package names: what a Go file sees without an import, ranked by how much it uses them.

A Go package is a folder, and every top-level name of its other files is visible in this one
unqualified; nothing in the file's imports lists them, so the definition source's list of
imported names holds none of them. `package_rows` gives those definitions, the ones this
file uses most first (a helper used sixty times in the file before the one about to be
written), then the others in path order.

Guarantees: only top-level definitions of the file's own folder, never the file itself; at
most `limit` rows; `is_expired` is checked between files.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.rowcache import FILE_ROWS

MAX_PACKAGE_FILES = 200
_FREE_IDENTIFIER = re.compile(r"(?<![\w$.])[A-Za-z_][A-Za-z0-9_]*")


def package_rows(
    bindings: Bindings,
    text: str,
    *,
    limit: int,
    is_expired: Callable[[], bool] = lambda: False,
) -> list[SymbolRow]:
    """The top-level definitions of the other files of a Go file's package, most used in
    `text` first; empty for other languages."""
    if bindings.language != "go" or not bindings.path:
        return []
    folder = bindings.path.rsplit("/", 1)[0] if "/" in bindings.path else ""
    files = bindings.store.files_in_folder(folder)[:MAX_PACKAGE_FILES]
    uses = Counter(_FREE_IDENTIFIER.findall(text))
    rows: list[SymbolRow] = []
    for file in files:
        if is_expired():
            break
        if file.rel_path == bindings.path or file.rel_path.endswith("_test.go"):
            continue
        rows.extend(
            r for r in FILE_ROWS.definitions(bindings.store, file.rel_path) if r.container is None
        )
    order = {id(row): idx for idx, row in enumerate(rows)}
    rows.sort(key=lambda r: (-uses[r.name], order[id(r)]))
    return rows[:limit]
