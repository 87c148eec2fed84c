"""Same-package names: what a Go file sees without an import, ranked by how much it uses them.

A Go package is a folder, and every top-level name of its other files is visible in this one
unqualified; nothing in the file's imports lists them, so the definition source's list of
imported names holds none of them. `package_rows` gives those definitions ranked by use:
the names sharing words with the one being assigned or declared first (`context :=
NewContext(...)`, a struct field `Before BeforeFunc`); then uses in this file (before and
after the cursor) count `HERE_WEIGHT` times, uses in the package's other files once (a
helper called sixty times across the package is what its next file calls too, even where
this file has not called it yet); ties keep path order. A use is a bare name that its file
does not declare locally, and for a function a call (`retrieval.go_uses`); the blank
identifier (`var _ IRouter = &Engine{}`) names nothing to use and is left out.
A chosen constant brings its block's siblings (`with_families`): one level of an enum
named in the file points at the others.

`package_member_uses` counts the members those files name after a `.` (in Go and in
Java, whose package is a folder too), the evidence the member source ranks a big type's
methods by when this file has not used them yet.

Each file's identifier counts are kept across requests while its indexed hash holds
(`_USES`), and a package's rows and sums while none of its other files changes
(`_PACKAGES`, per file being edited), so a keystroke costs one query for the folder's
files, not a read of each.

Guarantees: only top-level definitions of the file's own folder, never the file itself; at
most `limit` rows; `is_expired` is checked between files.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.go_uses import GoUses, go_uses
from context.retrieval.naming import affinity
from context.retrieval.rowcache import FILE_ROWS, FileMemo

MAX_PACKAGE_FILES = 200
HERE_WEIGHT = 4
MAX_FAMILY_ROWS = 48
"""Constants added beside the chosen ones as their block's siblings, at most."""
FAMILY_GAP_LINES = 4
_FUNCTION_KINDS = frozenset({"function", "method"})
_MEMBER = re.compile(r"\.\s*([A-Za-z_][A-Za-z0-9_]*)")


def package_rows(
    bindings: Bindings,
    text: str,
    *,
    limit: int,
    is_expired: Callable[[], bool] = lambda: False,
    wanted: frozenset[str] = frozenset(),
) -> list[SymbolRow]:
    """The top-level definitions of the other files of a Go file's package, those sharing
    words with `wanted` (the name being assigned or declared) first, then the most used in
    `text` (the file's) and then in the package; empty for other languages."""
    package = _package_of(bindings, is_expired) if bindings.language == "go" else None
    if package is None:
        return []
    here = go_uses(text)
    rows = list(package.rows)
    order = {id(row): idx for idx, row in enumerate(rows)}

    def score(row: SymbolRow) -> int:
        if row.kind in _FUNCTION_KINDS:
            return HERE_WEIGHT * here.called[row.name] + package.called[row.name]
        return HERE_WEIGHT * here.free[row.name] + package.free[row.name]

    rows.sort(key=lambda r: (-affinity(r.name, wanted), -score(r), order[id(r)]))
    return with_families(rows[:limit], rows)


def with_families(chosen: list[SymbolRow], rows: list[SymbolRow]) -> list[SymbolRow]:
    """`chosen`, each constant followed by the rest of its family among `rows`: the
    constants declared next to it in one block (`tokenError tokenType = iota` and the
    thirty bare names after it, `PanicLevel ... TraceLevel`). A use of one member of an
    enumeration is the best evidence for its siblings, and a bare name costs a token or two.
    """
    families = _families(rows)
    result: list[SymbolRow] = []
    seen: set[int] = set()
    n_added = 0
    for row in chosen:
        family = families.get(id(row), [row])
        for member in family if n_added < MAX_FAMILY_ROWS else [row]:
            if id(member) not in seen:
                seen.add(id(member))
                result.append(member)
                n_added += member is not row
    return result


def _families(rows: list[SymbolRow]) -> dict[int, list[SymbolRow]]:
    """Each constant of `rows` (rows of files in source order) -> its block's constants:
    top-level constants of one file with no other definition between them and at most
    `FAMILY_GAP_LINES` lines apart (room for a comment each)."""
    by_file: dict[str, list[SymbolRow]] = {}
    for row in rows:
        by_file.setdefault(row.rel_path, []).append(row)
    families: dict[int, list[SymbolRow]] = {}
    for file_rows in by_file.values():
        ordered = sorted(file_rows, key=lambda r: r.start_line_idx)
        block: list[SymbolRow] = []
        for current in [*ordered, None]:
            is_next = (
                current is not None
                and current.kind == "constant"
                and bool(block)
                and current.start_line_idx - block[-1].end_line_idx <= FAMILY_GAP_LINES
            )
            if is_next and current is not None:
                block.append(current)
                continue
            if len(block) > 1:
                for member in block[:MAX_FAMILY_ROWS]:
                    families[id(member)] = block[:MAX_FAMILY_ROWS]
            block = [current] if current is not None and current.kind == "constant" else []
    return families


def package_member_uses(
    bindings: Bindings, is_expired: Callable[[], bool] = lambda: False
) -> Counter[str]:
    """How often the other files of a Go or Java file's package name each member after a
    `.` (`f.getFlagType(` in every file of a package ranks `getFlagType` first among the
    hundred methods of `f`'s type); empty for other languages. Shared: not to be changed."""
    package = _package_of(bindings, is_expired)
    return package.members if package is not None else Counter()


@dataclass(frozen=True)
class _Package:
    """What a Go file's package folder holds apart from the file itself."""

    rows: tuple[SymbolRow, ...]
    """The other non-test files' top-level definitions, in path order."""
    free: Counter[str]
    called: Counter[str]
    members: Counter[str]


_PACKAGE_LOCK = threading.Lock()
_PACKAGES: OrderedDict[tuple[str, str], tuple[tuple[tuple[str, str], ...], _Package]] = (
    OrderedDict()
)
_MAX_PACKAGES = 32
_PACKAGE_LANGUAGES = frozenset({"go", "java"})
"""Languages whose package is a folder (Java's classes of one package need no import)."""


def _package_of(bindings: Bindings, is_expired: Callable[[], bool]) -> _Package | None:
    """The package of the bindings' Go file, kept while no other file of it changes (one
    query to check: the folder's files and their hashes); None for other languages."""
    if bindings.language not in _PACKAGE_LANGUAGES or not bindings.path:
        return None
    folder = bindings.path.rsplit("/", 1)[0] if "/" in bindings.path else ""
    files = [
        f
        for f in bindings.store.files_in_folder(folder)[:MAX_PACKAGE_FILES]
        if f.rel_path != bindings.path
        and f.language == bindings.language
        and not f.rel_path.endswith("_test.go")
    ]
    state = tuple((f.rel_path, f.hash) for f in files)
    key = (str(bindings.store.db_path), bindings.path)
    with _PACKAGE_LOCK:
        entry = _PACKAGES.get(key)
        if entry is not None and entry[0] == state:
            _PACKAGES.move_to_end(key)
            return entry[1]
    rows: list[SymbolRow] = []
    free: Counter[str] = Counter()
    called: Counter[str] = Counter()
    members: Counter[str] = Counter()
    is_whole = True
    for file in files:
        if is_expired():
            is_whole = False
            break
        rows.extend(
            r
            for r in FILE_ROWS.definitions(bindings.store, file.rel_path)
            if r.container is None and r.name != "_"
        )
        uses = _USES.of(bindings.store, file)
        free.update(uses.bare.free)
        called.update(uses.bare.called)
        members.update(uses.members)
    package = _Package(tuple(rows), free, called, members)
    if is_whole:
        with _PACKAGE_LOCK:
            _PACKAGES[key] = (state, package)
            _PACKAGES.move_to_end(key)
            while len(_PACKAGES) > _MAX_PACKAGES:
                _PACKAGES.popitem(last=False)
    return package


@dataclass(frozen=True)
class _Uses:
    """One file's identifier counts: bare (`helper(`) and after a dot (`x.Method(`)."""

    bare: GoUses
    members: Counter[str]


_USES = FileMemo(lambda text: _Uses(go_uses(text), Counter(_MEMBER.findall(text))))
"""Each file's identifier counts, free and after a `.` (files over `MAX_FILE_CHARS`
count nothing)."""
