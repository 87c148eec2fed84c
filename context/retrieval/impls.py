"""Rust members across a crate: a type's fields and variants, and the methods of every `impl`.

In Rust a type's fields and variants sit in its definition, but its methods may live in any
`impl` block of the crate (`impl Error { ... }` in another module, `impl Display for Error`
beside a trait). The index records an `impl` block's items with the implemented type's name
as container, so a name query finds them all, and also those of a namesake: `ser::Error` and
`de::Error` are two types of one crate. `crate_members` keeps the owner's own file first,
then the other files of its crate that do not define a type of that name themselves (those
blocks implement their own namesake).

`generic_bound` reads what a generic parameter stands for (`fn put<T: Buf>(src: T)`: the
trait `Buf`), so that `src.|` lists the trait's methods.

Guarantees: one query for the members and one for the namesakes; rows in source order per
file, the owner's file first; nothing outside the owner's crate (its `src/` tree).
"""

from __future__ import annotations

import re

from context.index.store import IndexStore, SymbolRow

MAX_MEMBER_ROWS = 2000
_TYPE_KINDS = frozenset({"struct", "enum", "union", "trait", "type", "class", "interface"})


def crate_members(store: IndexStore, owner: SymbolRow) -> list[SymbolRow]:
    """The members of the Rust type `owner`: its own file's, then its crate's `impl` blocks'."""
    crate = _crate_prefix(owner.rel_path)
    rows = [
        r for r in store.members(owner.name, limit=MAX_MEMBER_ROWS) if r.rel_path.startswith(crate)
    ]
    namesakes = {
        r.rel_path
        for r in store.definitions(owner.name, limit=200)
        if r.kind in _TYPE_KINDS and r.rel_path != owner.rel_path
    }
    own = [r for r in rows if r.rel_path == owner.rel_path]
    others = [r for r in rows if r.rel_path != owner.rel_path and r.rel_path not in namesakes]
    return own + others


def _crate_prefix(rel_path: str) -> str:
    """The path prefix of the crate holding `rel_path`: up to its last `src/`, or its folder."""
    at = rel_path.rfind("src/")
    if at == 0 or (at > 0 and rel_path[at - 1] == "/"):
        return rel_path[: at + len("src/")]
    return rel_path.rsplit("/", 1)[0] + "/" if "/" in rel_path else ""


def generic_bound(signature: str, name: str) -> str | None:
    """The first bound a Rust signature gives its generic parameter `name` (`<T: Buf>`,
    `<B: super::Buf + Send>`, `where T: Read`): a value of type `T` has the bound's
    methods. None when `name` is not a bounded parameter there."""
    flat = " ".join(signature.split())
    n = re.escape(name)
    found = re.search(rf"[<,]\s*{n}\s*:\s*(?:\?Sized\s*\+\s*)?([A-Za-z_][\w:]*)", flat)
    if found is None:
        found = re.search(rf"\bwhere\b.*?(?<![\w:]){n}\s*:\s*([A-Za-z_][\w:]*)", flat)
    return found.group(1) if found is not None else None
