"""Members of a JavaScript or TypeScript receiver whose type the code does not say.

`this` in an object literal (`module.exports = { get href () {...} }`), a `ctx` made by
`Object.create(...)` or a parameter without a type: no declaration names the receiver's
type, yet the file itself tells which members it has, since it uses them on the same
receiver elsewhere (`this.request`, `this.headerSent`, `ctx.body`). This source looks those
names up in the index, wherever they are defined (an object literal's getters, a class's
methods, `Foo.prototype.bar = function`), and lists their signatures, the names used most
and nearest to the cursor first; a typed member prefix ranks names starting with it first.
The name the value is being given to comes before them all: `{ schema: opts.| }`,
`const schema = opts.|` and `config.schema = opts.|` copy a member to a namesake more
often than not.

A computed key names a receiver too: `request[kRouteContext].|` holds what every
`[kRouteContext]` of the file holds (a symbol-keyed slot has one kind of value), so the
members used after `x[kRouteContext].` on any object count (`computed_receiver`).

`receiver_uses` also serves typed receivers: the members this file uses on the same
receiver text rank before those it uses on any other.

Guarantees: never raises on any text; one index query (`definitions_named`) per request;
names defined in more than `MAX_PLACES` places are left out (a guess between many
namesakes misleads more than it helps); rows of the current file are left out (the prompt
holds the file already); the result depends only on the text, the cursor and the index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from context.index.store import SymbolRow
from context.literal_scan import matches_near
from context.retrieval.bindings import Bindings
from context.retrieval.outline import render_signature_list
from context.snippet import Snippet

MAX_NAMES = 32
"""Names looked up per request: the most used on the receiver."""
MAX_PLACES = 3
MAX_ROWS = 24
NEAR_CHARS = 3_000
"""Uses this close to the cursor count three times."""
JS_FAMILY = frozenset({"javascript", "typescript", "tsx"})
_NAME = r"([A-Za-z_$][\w$]*)"
_COMPUTED = re.compile(r"(\[\s*[A-Za-z_$][\w$]*\s*\])\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)?$")


def computed_receiver(line_before_cursor: str) -> tuple[str, str] | None:
    """(`[key]`, the typed member prefix) when the line ends in a member of a computed key
    (`request[kRouteContext].pre|`); None elsewhere."""
    found = _COMPUTED.search(line_before_cursor)
    return (found.group(1), found.group(2) or "") if found is not None else None


def receiver_uses(text: str, offset: int, receiver: str) -> Counter[str]:
    """How often `text` names each member right after the receiver text `receiver`
    (`this`, `this.ctx`, `core`, or a computed key `[kContext]` on any object), leaving
    out the one at the cursor; uses within `NEAR_CHARS` of the cursor count three times."""
    parts = [re.escape(p) for p in re.split(r"\s*(?:\?\.|\.|::|->)\s*", receiver.strip()) if p]
    if not parts:
        return Counter()
    # Within one line: the cursor's own `this.` must not take the next line's first word.
    chain = r"[ \t]*(?:\?\.|\.)[ \t]*".join(parts)
    before = "" if receiver.lstrip().startswith("[") else r"(?<![\w$.])"
    pattern = re.compile(rf"{before}{chain}[ \t]*(?:\?\.|\.|::|->)[ \t]*{_NAME}")
    uses: Counter[str] = Counter()
    # Every match starts with the receiver's first part: only its places are tried.
    first = re.split(r"\s*(?:\?\.|\.|::|->)\s*", receiver.strip())[0]
    for match in matches_near(pattern, text, (first,)) if first else pattern.finditer(text):
        if match.start(1) <= offset <= match.end(1):
            continue
        is_near = abs(match.start() - offset) <= NEAR_CHARS
        uses[match.group(1)] += 3 if is_near else 1
    return uses


def named_member_snippets(
    bindings: Bindings,
    text: str,
    offset: int,
    receiver: str,
    prefix: str,
    *,
    assigned: str | None = None,
    is_expired: Callable[[], bool] = lambda: False,
) -> list[Snippet]:
    """The signatures of the members that the file uses on `receiver` (those starting with
    the typed `prefix` first), looked up by name in the other files of the index; the name
    `assigned` (what the value is given to) first."""
    if bindings.language not in JS_FAMILY:
        return []
    uses = receiver_uses(text, offset, receiver)
    if prefix:
        uses = Counter({n: c for n, c in uses.items() if n.startswith(prefix)})
    names = [name for name, _ in uses.most_common(MAX_NAMES)]
    if assigned and assigned.startswith(prefix):
        names = [assigned, *(n for n in names if n != assigned)][:MAX_NAMES]
    if not names or is_expired():
        return []
    by_name: dict[str, list[SymbolRow]] = {}
    for row in bindings.store.definitions_named(names):
        by_name.setdefault(row.name, []).append(row)
    ranked: list[SymbolRow] = []
    for name in names:
        rows = by_name.get(name, [])
        if any(r.rel_path == bindings.path for r in rows):
            # Defined in this file: the prompt holds it already, and it is no guess.
            continue
        places = {(r.rel_path, r.start_line_idx) for r in rows}
        if 0 < len(places) <= MAX_PLACES:
            ranked.extend(rows)
    return _by_file(ranked[:MAX_ROWS])


def _by_file(rows: list[SymbolRow]) -> list[Snippet]:
    """One signature list per defining file, in the order of each file's best row."""
    groups: dict[str, list[SymbolRow]] = {}
    for row in rows:
        groups.setdefault(row.rel_path, []).append(row)
    return [render_signature_list(group, "member") for group in groups.values()]
