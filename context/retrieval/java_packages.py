"""Java packages named in full: `java.sql.|Clob`, `com.acme.net.|Client`.

A qualified name whose segments are all lower case names a package, and a Java package is a
folder under a source root. The source root is not configured anywhere, so it is found from
the file at hand: the package's folder is looked for under each folder that holds the file
(`src/main/java/com/acme/X.java` tries `src/main/java/com/acme/java/sql`, ..., `java/sql`),
nearest first.

Guarantees: one index query per folder tried, at most as many as the file has ancestors; a
chain with a call, an upper-case segment or no matching folder gives ().
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from context.retrieval.bindings import Bindings


def package_paths(bindings: Bindings, parts: Sequence[tuple[str, bool]]) -> tuple[str, ...]:
    """The `.java` files of the package a chain of (name, is_call) parts spells, or ()."""
    if bindings.language != "java" or len(parts) < 2:
        return ()
    if any(is_call or not name.islower() for name, is_call in parts):
        return ()
    package = "/".join(name for name, _ in parts)
    folder = posixpath.dirname(bindings.path)
    while True:
        candidate = posixpath.join(folder, package) if folder else package
        files = bindings.store.files_in_folder(candidate)
        found = tuple(f.rel_path for f in files if f.rel_path.endswith(".java"))
        if found:
            return found
        if not folder:
            return ()
        folder = posixpath.dirname(folder)
