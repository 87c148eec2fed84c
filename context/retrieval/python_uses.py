"""The members a Python package's other files use, the evidence a big type's members are
ranked by when the file being edited has not used them yet.

At `self.console.|` on a class of a hundred members, the file's own uses say most; a member
it has not used yet (`clear_live`) is better guessed from what the rest of the package calls
after a `.` than from source order. The package is the file's top package folder (climbing
while the folders hold `__init__.py`; the file's own folder when it is in none), at most
`MAX_PACKAGE_FILES` Python files of it, the edited file left out: its text on disk is not
what the editor holds, and so is the type's own file (whose uses are its own insides).

Each file's counts are kept while its indexed hash holds (`_MEMBER_COUNTS`: one regular
expression over the file, no identifier count beside it), and a package's sum while none
of its other files changes (`_SUMS`, per file being edited), so a keystroke costs a look at
the index's file list, not a read of each file.

Guarantees: counts only names of `names`; a sum cut short by `is_expired` counts nothing
(a cold start ranks as if no other file were known) and is not kept; files longer than
`rowcache.MAX_FILE_CHARS` count nothing.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.rowcache import FileMemo

MAX_PACKAGE_FILES = 400
_MAX_SUMS = 16
_MEMBER = re.compile(r"\.\s*([A-Za-z_][A-Za-z0-9_]*)")
_MEMBER_COUNTS = FileMemo(lambda text: Counter(_MEMBER.findall(text)))
"""How often each file names each member after a `.`."""
_CLASS_ACCESS = re.compile(r"(?<![\w.])([A-Z]\w*)\.([A-Za-z_]\w*)")
"""A member reached through a class's name (`Segment.set_shape`, `Text.assemble`)."""
_CLASS_ACCESS_COUNTS = FileMemo(
    lambda text: Counter(f"{m[1]}.{m[2]}" for m in _CLASS_ACCESS.finditer(text))
)
"""How often each file names each `Class.member`."""
_LOCK = threading.Lock()
_SUMS: OrderedDict[tuple[str, str, int], tuple[tuple[tuple[str, str], ...], Counter[str]]] = (
    OrderedDict()
)


def package_member_uses(
    bindings: Bindings,
    names: Iterable[str],
    owner_path: str,
    is_expired: Callable[[], bool] = lambda: False,
) -> Counter[str]:
    """How often the other Python files of the file's package name each of `names` after a
    `.`, the type's own file `owner_path` left out too (its `self._helper()` calls say what
    the type does inside, not what its users call); empty for other languages."""
    if bindings.language != "python" or not bindings.path:
        return Counter()
    prefix = top_package(bindings)
    prefix = f"{prefix}/" if prefix else ""
    total = _package_sum(bindings, prefix, is_expired)
    is_summed = owner_path != bindings.path and owner_path.startswith(prefix)
    owner = bindings.store.file(owner_path) if is_summed else None
    inside = _MEMBER_COUNTS.of(bindings.store, owner) if owner is not None else Counter()
    return Counter({name: count for name in names if (count := total[name] - inside[name]) > 0})


def class_access_uses(
    bindings: Bindings,
    owner: SymbolRow,
    names: Iterable[str],
    is_expired: Callable[[], bool] = lambda: False,
) -> Counter[str]:
    """How often the other Python files of the file's package name each of `names` right
    after the class `owner`'s name (`Segment.set_shape`), its own file left out."""
    if bindings.language != "python" or not bindings.path:
        return Counter()
    prefix = top_package(bindings)
    prefix = f"{prefix}/" if prefix else ""
    total = _package_sum(bindings, prefix, is_expired, _CLASS_ACCESS_COUNTS)
    own = bindings.store.file(owner.rel_path) if owner.rel_path != bindings.path else None
    inside = _CLASS_ACCESS_COUNTS.of(bindings.store, own) if own is not None else Counter()
    return Counter(
        {
            name: count
            for name in names
            if (count := total[f"{owner.name}.{name}"] - inside[f"{owner.name}.{name}"]) > 0
        }
    )


def top_package(bindings: Bindings) -> str:
    """The folder of the file's top package ("" for the root): the highest folder above it
    that a chain of `__init__.py` files reaches, or its own folder."""
    folder = bindings.path.rpartition("/")[0]
    while folder:
        parent = folder.rpartition("/")[0]
        if bindings.store.file(f"{parent}/__init__.py" if parent else "__init__.py") is None:
            break
        folder = parent
    return folder


def _package_sum(
    bindings: Bindings,
    prefix: str,
    is_expired: Callable[[], bool],
    counts: FileMemo[Counter[str]] = _MEMBER_COUNTS,
) -> Counter[str]:
    """The `counts` of the Python files under `prefix` but the edited one, summed."""
    store = bindings.store
    files = [f for f in store.files_under(prefix, "python") if f.rel_path != bindings.path][
        :MAX_PACKAGE_FILES
    ]
    state = tuple((f.rel_path, f.hash) for f in files)
    key = (str(store.db_path), bindings.path, id(counts))
    with _LOCK:
        entry = _SUMS.get(key)
        if entry is not None and entry[0] == state:
            _SUMS.move_to_end(key)
            return entry[1]
    total: Counter[str] = Counter()
    for file in files:
        if is_expired():
            return Counter()
        total.update(counts.of(store, file))
    with _LOCK:
        _SUMS[key] = (state, total)
        _SUMS.move_to_end(key)
        while len(_SUMS) > _MAX_SUMS:
            _SUMS.popitem(last=False)
    return total
