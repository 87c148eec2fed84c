"""The unqualified names a Go file uses as package-level names: its evidence for `package`.

A Go file names its package's other definitions bare (`debugPrint(...)`, `Context`), and
just as bare its own locals, parameters and composite-literal keys (`root := ...`,
`func f(source []byte)`, `node{root: r}`). Counting every bare identifier lets a package
constant named `root` or a function named `source` outrank what the file really calls, so
`go_uses` leaves out, per file, the names the file declares locally (short variable
declarations, `var`, parameters and results, receivers: such a name there mostly means the
local) and the keys of composite literals (a struct field's name, never a package name),
and counts calls (`name(`) apart: a function is evidence only where it is called.

Guarantees: a pure function of the text, linear in its length; never raises.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_FREE = re.compile(r"(?<![\w$.])([A-Za-z_][A-Za-z0-9_]*)(\s*\()?")
_SHORT_DECLARATION = re.compile(r"(?<![\w.])((?:[A-Za-z_]\w*\s*,\s*)*[A-Za-z_]\w*)\s*:=(?!=)")
_VAR = re.compile(r"(?<![\w.])var\s+([A-Za-z_]\w*)")
_SIGNATURE = re.compile(
    r"\bfunc\s*(?:\(([^()]*)\)\s*)?(?:[A-Za-z_]\w*\s*)?(?:\[[^\]\n]*\]\s*)?\(([^()]*)\)"
    r"(?:\s*\(([^()]*)\))?"
)
_PARAMETER = re.compile(r"^\s*([A-Za-z_]\w*)\s+\S")
_LONE = re.compile(r"[A-Za-z_]\w*")
_KEY = re.compile(r"[{,]\s*([A-Za-z_]\w*)\s*:(?!=)")
_CASE = re.compile(r"[ \t]*case\b")


@dataclass(frozen=True)
class GoUses:
    """One Go file's bare names: used as package-level names, and called."""

    free: Counter[str]
    """Bare uses of names the file does not declare locally, keys left out."""
    called: Counter[str]
    """Those of `free` followed by `(`."""


def go_uses(text: str) -> GoUses:
    """The bare names `text` uses that may be its package's definitions, with counts."""
    local = _local_names(text)
    keys = _key_spans(text)
    free: Counter[str] = Counter()
    called: Counter[str] = Counter()
    for match in _FREE.finditer(text):
        name = match.group(1)
        if name in local or match.start(1) in keys:
            continue
        free[name] += 1
        if match.group(2):
            called[name] += 1
    return GoUses(free, called)


def _local_names(text: str) -> set[str]:
    """The names `text` declares inside functions: `a, b :=`, `var a`, parameters,
    results and receivers (top-level `var`s of the file itself are its own anyway)."""
    names: set[str] = set()
    for match in _SHORT_DECLARATION.finditer(text):
        names.update(part.strip() for part in match.group(1).split(","))
    names.update(_VAR.findall(text))
    for match in _SIGNATURE.finditer(text):
        for group in match.groups():
            pieces = (group or "").split(",")
            named = [_PARAMETER.match(piece) for piece in pieces]
            names.update(p.group(1) for p in named if p is not None)
            if any(named):
                # Go never mixes named and unnamed parameters: in `(method, path string)`
                # the lone `method` is a name too.
                names.update(
                    m.group(0)
                    for m in (_LONE.fullmatch(p.strip()) for p in pieces)
                    if m is not None
                )
    names.discard("_")
    return names


def _key_spans(text: str) -> set[int]:
    """Where the keys of composite literals start (`{method: m, root: r}`), leaving out a
    `case a, b:` line's names, which are values."""
    starts: set[int] = set()
    for match in _KEY.finditer(text):
        at = match.start(1)
        if _CASE.match(text, text.rfind("\n", 0, at) + 1) is None:
            starts.add(at)
    return starts
