"""C and C++ scopes and aliases for `retrieval.receiver`: `ns::`, `using T = U<...>;`, `typedef`.

- A C++ namespace is a scope, not a type: the index keeps its names top-level in each file
  that opens it (`namespace detail { ... }` in many headers), so `detail::|` reaches the
  names of every file that opens `detail` (`namespace_paths`).
- An alias names another type: `using lexer_t = lexer<BasicJsonType, InputAdapterType>;`,
  `typedef struct git_foo git_foo;`, `typedef typename B::string_t string_t;`. Its members
  are the aliased type's (`aliased_type` reads that type's expression from the alias's
  signature; `typedef struct git_foo git_foo;` names the struct of the same name).

Guarantees: pure functions of index rows; at most `MAX_NAMESPACE_FILES` files per namespace, in
path order; a signature that is no alias gives None.
"""

from __future__ import annotations

import re

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings

MAX_NAMESPACE_FILES = 64

_USING = re.compile(r"\busing\s+[A-Za-z_]\w*\s*=\s*(?:typename\s+)?([^;]+?)\s*;?\s*$")
_TYPEDEF = re.compile(
    r"\btypedef\s+(?:typename\s+|struct\s+|union\s+|enum\s+|const\s+)*([A-Za-z_][\w:]*)"
    r"(?:\s*<[^;]*>)?[\s*&]+[A-Za-z_]\w*\s*;?\s*$"
)


def namespace_paths(bindings: Bindings, name: str) -> tuple[str, ...]:
    """The files that open the C++ namespace `name`, in path order; () when `name` is no
    namespace of the workspace or the file is not C++."""
    if bindings.language != "cpp":
        return ()
    rows = [r for r in bindings.store.definitions(name, limit=500) if r.kind == "module"]
    return tuple(sorted({r.rel_path for r in rows})[:MAX_NAMESPACE_FILES])


def aliased_type(row: SymbolRow) -> str | None:
    """The type expression a C or C++ alias row names (`lexer<B, I>`, `git_foo`), or None."""
    if row.language not in ("c", "cpp") or row.kind != "type":
        return None
    flat = " ".join(row.signature.split())
    found = _USING.search(flat) or _TYPEDEF.search(flat)
    if found is None:
        return None
    return found.group(1).strip()
