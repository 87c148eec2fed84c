"""The class an untyped Python receiver is, from what the file does with it and its name.

Much Python states no types: `def _parse_kexdh_reply(self, m):` then `m.get_string()`,
`m.get_mpint()`; `self.transport = transport` from an untyped `__init__` parameter. A
reader still knows what `m` and `self.transport` are: the members the file calls on the
same receiver are those of one class of the package, and the receiver is often named after
its class (`transport` for a `Transport`, `auth_handler` for an `AuthHandler`). This is that
guess, made when nothing the code states resolves:

- every member name the file uses on the same receiver text (`retrieval.named_members.
  receiver_uses`: `m.`, `self.transport.`) is looked up in the index, and each class that
  defines some of them directly scores one per name;
- a class whose name is the receiver's last name in CamelCase (`auth_handler` ->
  `AuthHandler`) scores `NAME_SCORE` more.

The best class wins when it scores at least `MIN_SCORE` (two used names, or the name and
one) or is the only class so named, and no other class scores as much.

Guarantees: Python only; never raises on any text; one index query for the used names and
one for the name; the answer depends only on the text, the cursor and the index (ties
give no answer, never a guess by path order).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.named_members import receiver_uses

MAX_NAMES = 32
"""Used names looked up: the most used on the receiver."""
NAME_SCORE = 2
MIN_SCORE = 2
_CLASS_KINDS = frozenset({"class"})
_LAST_NAME = re.compile(r"([A-Za-z_]\w*)\s*\.?\s*$")


def duck_typed_class(
    bindings: Bindings,
    text: str,
    offset: int,
    receiver: str,
    is_expired: Callable[[], bool] = lambda: False,
) -> SymbolRow | None:
    """The class the receiver text `receiver` (`m.`, `self.transport.`) before character
    `offset` of `text` most likely is, or None."""
    if bindings.language != "python":
        return None
    last = _LAST_NAME.search(receiver)
    if last is None or last.group(1) in ("self", "cls"):
        return None
    uses = receiver_uses(text, offset, receiver)
    names = [name for name, _ in uses.most_common(MAX_NAMES)]
    scores: Counter[tuple[str, int]] = Counter()
    classes: dict[tuple[str, int], SymbolRow] = {}
    named = _named_classes(bindings, last.group(1))
    for row in named:
        key = (row.rel_path, row.start_line_idx)
        classes[key] = row
        scores[key] += NAME_SCORE
    if names and not is_expired():
        defining: dict[tuple[str, str], set[str]] = {}
        for row in bindings.store.definitions_named(names):
            if row.container is not None and row.language == "python":
                defining.setdefault((row.rel_path, row.container), set()).add(row.name)
        for (path, container), found in defining.items():
            owner = _class_row(bindings, path, container)
            if owner is None:
                continue
            key = (owner.rel_path, owner.start_line_idx)
            classes[key] = owner
            scores[key] += len(found)
    if not scores or is_expired():
        return None
    score = max(scores.values())
    tied = [classes[key] for key, n in scores.items() if n == score]
    if score < MIN_SCORE:
        return None
    return tied[0] if len(tied) == 1 else _common_base(tied)


def _common_base(tied: list[SymbolRow]) -> SymbolRow | None:
    """The one class of `tied` that all the others name among their bases (a base and the
    subclasses that override its methods score alike: the base's members are all theirs),
    or None."""
    for row in tied:
        base = re.compile(rf"\(([^)]*[\s,.])?{re.escape(row.name)}\b")
        if all(other is row or base.search(other.signature) for other in tied):
            return row
    return None


def _named_classes(bindings: Bindings, name: str) -> list[SymbolRow]:
    """The classes of the index named `name` in CamelCase (`auth_handler` ->
    `AuthHandler`); none for a one-letter name."""
    words = [w for w in name.strip("_").split("_") if w]
    if len("".join(words)) < 2:
        return []
    camel = "".join(w[:1].upper() + w[1:] for w in words)
    return [
        r
        for r in bindings.store.definitions(camel, limit=20)
        if r.kind in _CLASS_KINDS and r.container is None and r.language == "python"
    ]


def _class_row(bindings: Bindings, path: str, name: str) -> SymbolRow | None:
    """The class `name` that file `path` defines, or None (a member of a function or of
    something that is no class)."""
    for row in bindings.definitions_in_file(path):
        if row.name == name and row.kind in _CLASS_KINDS:
            return row
    return None
