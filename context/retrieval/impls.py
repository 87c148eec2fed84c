"""Rust members across a crate: a type's fields and variants, and the methods of every `impl`.

In Rust a type's fields and variants sit in its definition, but its methods may live in any
`impl` block of the crate (`impl Error { ... }` in another module, `impl Display for Error`
beside a trait). The index records an `impl` block's items with the implemented type's name
as container, so a name query finds them all, and also those of a namesake: `ser::Error` and
`de::Error` are two types of one crate. `crate_members` keeps the owner's own file first,
then the other files of its crate that do not define a type of that name themselves (those
blocks implement their own namesake).

`implemented_traits` finds the crate's traits that a type implements (`impl Math for
Bigint {}`), whose provided methods (`result.iadd_small(y)`) are the type's members too;
the `impl ... for` headers are read from the crate's files, each file's kept while its
indexed hash holds.

`blanket_traits` finds the crate's extension traits, those implemented for every type
that meets a bound (`impl<T: Iterator> Itertools for T {}`): a value whose type the code
does not say (`stack.into_iter().|`) may be reaching for their methods (`fold1`), when the
file has the trait in scope.

`generic_bound` reads what a generic parameter stands for (`fn put<T: Buf>(src: T)`: the
trait `Buf`), so that `src.|` lists the trait's methods.

Guarantees: one query for the members and one for the namesakes; rows in source order per
file, the owner's file first; nothing outside the owner's crate (its `src/` tree).
"""

from __future__ import annotations

import re

from context.index.store import IndexStore, SymbolRow
from context.retrieval.rowcache import FileMemo

MAX_MEMBER_ROWS = 2000
_TYPE_KINDS = frozenset({"struct", "enum", "union", "trait", "type", "class", "interface"})
_TRAIT_KINDS = frozenset({"trait", "interface"})
_IMPL_LINE = re.compile(
    r"^[ \t]*(?:pub(?:\([^)]*\))?\s+)?(?:unsafe\s+)?impl\b[^{;\n]*", re.MULTILINE
)
_IMPL_PARAMS = re.compile(r"impl\s*<((?:[^<>]|<[^<>]*>)*)>")
_PARAM_NAME = re.compile(r"(?:^|,)\s*([A-Z]\w*)")
_IMPL_FOR = re.compile(r"impl\s*!?\s*(?:[\w]+::)*([A-Za-z_]\w*)\s+for\s+(?:[\w]+::)*([A-Za-z_]\w*)")


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


def implemented_traits(store: IndexStore, owner: SymbolRow) -> list[SymbolRow]:
    """The traits of the crate that `impl Trait for Owner` blocks say the Rust type `owner`
    implements, each once; an outside crate's trait (`Display`) has no row and is left out."""
    crate = _crate_prefix(owner.rel_path)
    found: list[SymbolRow] = []
    for name in _trait_names(store, crate).get(owner.name, []):
        rows = [
            r
            for r in store.definitions(name, limit=20)
            if r.kind in _TRAIT_KINDS and r.rel_path.startswith(crate)
        ]
        found.extend(rows[:1])
    return found


def blanket_traits(store: IndexStore, path: str) -> list[SymbolRow]:
    """The traits of `path`'s crate that a blanket impl (`impl<T: Bound> Trait for T`)
    gives to every type meeting its bound, each once, in the order the crate's files
    are indexed."""
    # A bench or an example uses its package's library traits (`use itertools::Itertools`):
    # the whole package is searched, and the caller keeps the traits the file has in scope.
    crate = _package_prefix(path)
    names: list[str] = []
    for file in store.files_under(crate, "rust"):
        for _, trait, is_blanket in _IMPLS.of(store, file):
            if is_blanket and trait not in names:
                names.append(trait)
    found: list[SymbolRow] = []
    for name in names:
        rows = [
            r
            for r in store.definitions(name, limit=20)
            if r.kind in _TRAIT_KINDS and r.rel_path.startswith(crate)
        ]
        found.extend(rows[:1])
    return found


def _trait_names(store: IndexStore, crate: str) -> dict[str, list[str]]:
    """Type name -> the trait names its crate's `impl Trait for Type` headers give."""
    by_type: dict[str, list[str]] = {}
    for file in store.files_under(crate, "rust"):
        for type_name, trait, _ in _IMPLS.of(store, file):
            traits = by_type.setdefault(type_name, [])
            if trait not in traits:
                traits.append(trait)
    return by_type


def _impl_headers(text: str) -> list[tuple[str, str, bool]]:
    """(type, trait, whether the type is one of the impl's own generic parameters: a
    blanket impl) of each `impl Trait for Type` header of one file's text."""
    found: list[tuple[str, str, bool]] = []
    for line in _IMPL_LINE.finditer(text):
        header = line.group(0)
        params = _IMPL_PARAMS.match(header[header.find("impl") :])
        generics = set(_PARAM_NAME.findall(params.group(1))) if params else set()
        while "<" in header:
            stripped = re.sub(r"<[^<>]*>", "", header)
            if stripped == header:
                break
            header = stripped
        match = _IMPL_FOR.search(header)
        if match is not None:
            found.append((match.group(2), match.group(1), match.group(2) in generics))
    return found


_IMPLS = FileMemo(_impl_headers, max_files=8192)
"""Each file's `impl Trait for Type` headers, kept per indexed hash: an edit re-reads the
edited file only."""


def _crate_prefix(rel_path: str) -> str:
    """The path prefix of the crate holding `rel_path`: up to its last `src/`, or its folder."""
    at = rel_path.rfind("src/")
    if at == 0 or (at > 0 and rel_path[at - 1] == "/"):
        return rel_path[: at + len("src/")]
    return rel_path.rsplit("/", 1)[0] + "/" if "/" in rel_path else ""


def _package_prefix(rel_path: str) -> str:
    """The path prefix of the Cargo package holding `rel_path`: the folder above its last
    `src/`, `benches/`, `examples/` or `tests/`, or its folder."""
    at = max(
        (m.start() for m in re.finditer(r"(?:^|/)(?:src|benches|examples|tests)/", rel_path)),
        default=-1,
    )
    if at < 0:
        return _crate_prefix(rel_path)
    return rel_path[: at + 1] if at > 0 else ""


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
