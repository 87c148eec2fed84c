"""Go embedded fields: the types whose members a struct or interface promotes as its own.

`type Route struct { ...; routeConf }` gives every `Route` the fields and methods of
`routeConf` (`r.regexp.queries` reaches `routeConf.regexp`); `type ReadWriter interface {
Reader; Writer }` has the methods of both. The index records named fields only, so the
embedded ones are read from the type's lines in its file: a line of the body that is a
type name alone (`Base`, `*Base`, `pkg.Base`, with an optional tag or comment).

Guarantees: reads at most the type's own lines of one file, kept per (file, mtime, lines)
while the file is unchanged; never raises (an unreadable file embeds nothing).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from pathlib import Path

from context.index.store import SymbolRow

MAX_TYPE_LINES = 400
_EMBEDDED = re.compile(
    r"^\s*\*?\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s*(?:\[[^\]]*\])?\s*(?:`[^`]*`)?\s*(?://.*)?$"
)
_lock = threading.Lock()
_cache: OrderedDict[tuple[str, int, int, int], list[list[str]]] = OrderedDict()
_MAX_CACHED = 1024


def embedded_types(owner: SymbolRow) -> list[list[str]]:
    """The (qualified) names of the types embedded in the Go struct or interface `owner`,
    as `["routeConf"]` or `["io", "Reader"]`; empty for any other row."""
    if owner.language != "go" or owner.kind not in ("type", "struct", "interface"):
        return []
    try:
        mtime_ns = owner.path.stat().st_mtime_ns
    except OSError:
        return []
    key = (str(owner.path), owner.start_line_idx, owner.end_line_idx, mtime_ns)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    found = _read_embedded(owner.path, owner.start_line_idx, owner.end_line_idx)
    with _lock:
        _cache[key] = found
        while len(_cache) > _MAX_CACHED:
            _cache.popitem(last=False)
    return found


def _read_embedded(path: Path, start_line_idx: int, end_line_idx: int) -> list[list[str]]:
    if end_line_idx - start_line_idx > MAX_TYPE_LINES:
        end_line_idx = start_line_idx + MAX_TYPE_LINES
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            lines = [line for idx, line in enumerate(handle) if idx <= end_line_idx]
    except OSError:
        return []
    body = lines[start_line_idx + 1 : end_line_idx]
    found: list[list[str]] = []
    for line in body:
        match = _EMBEDDED.match(line)
        if match is not None and match.group(1) not in ("struct", "interface", "}"):
            found.append(match.group(1).split("."))
    return found


_GO_VALUE = r"([A-Za-z_][\w]*(?:\s*\([^()\n]*\))?(?:\s*\.\s*[A-Za-z_][\w]*(?:\s*\([^()\n]*\))?)*)"


def go_declaration(text: str, name: str) -> tuple[int, bool, str] | None:
    """The last Go declaration of `name` in `text` that the common patterns miss: a type
    assertion (`n, ok := node.(*ast.ObjectList)`: the type), the first of several names
    assigned from a call (`s, err := store.Open(path)`: the call's expression) and a
    function literal's parameter (`return func(c *Context) {`: the type; the enclosing
    declaration's signature does not hold it). Returns where it is, whether it states a
    type, and the type or the value's expression."""
    n = re.escape(name)
    patterns = [
        (True, rf"(?<![\w.]){n}\s*(?:,\s*\w+\s*)?:?=\s*[\w.\[\]()]+?\.\(\s*\*?\s*([\w.]+)\s*\)"),
        (False, rf"(?<![\w.]){n}\s*,\s*\w+\s*:?=\s*(?:&\s*)?{_GO_VALUE}"),
        (
            True,
            rf"func\s*\((?:[^()]*?,)?\s*{n}(?:\s*,\s*\w+)*\s+(?:\*\s*)?([A-Za-z_][\w.]*)\s*[,)]",
        ),
    ]
    best: tuple[int, bool, str] | None = None
    for is_type, pattern in patterns:
        for match in re.finditer(pattern, text):
            if best is None or match.start() > best[0]:
                best = (match.start(), is_type, match.group(1).strip())
    if best is not None and not best[1] and best[2].endswith(")"):
        # The value's expression is a chain of names; its call's arguments are dropped.
        best = (best[0], False, re.sub(r"\s*\([^()\n]*\)$", "", best[2]))
    return best
