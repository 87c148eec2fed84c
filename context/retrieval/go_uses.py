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
MAX_DECLARED_CHARS = 160
"""How far before a `:=` its names are looked for (a crafted line of many `:=` must not
cost the square of its length)."""
_DECLARED_LIST = re.compile(r"(?<![\w.])((?:[A-Za-z_]\w*[ \t]*,[ \t]*)*[A-Za-z_]\w*)[ \t]*$")
"""The names before a `:=` on its line (`k, v`); matched on the line's text up to it."""
_VAR = re.compile(r"var\s+([A-Za-z_]\w*)")
_SIGNATURE = re.compile(
    r"func\s*(?:\(([^()]*)\)\s*)?(?:[A-Za-z_]\w*\s*)?(?:\[[^\]\n]*\]\s*)?\(([^()]*)\)"
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
    free: Counter[str] = Counter()
    called: Counter[str] = Counter()
    for (name, paren), count in Counter(_FREE.findall(text)).items():
        if name not in local:
            free[name] += count
            if paren:
                called[name] += count
    free.subtract(_keys(text))
    return GoUses(+free, called)


def _local_names(text: str) -> set[str]:
    """The names `text` declares inside functions: `a, b :=`, an indented `var a`,
    parameters, results and receivers."""
    names: set[str] = set()
    # Each pattern starts with a literal (`:=`, `var`, `func`), which the scan looks for
    # first: this runs on every keystroke over the file being edited.
    at = text.find(":=")
    while at != -1:
        line_start = max(text.rfind("\n", 0, at) + 1, at - MAX_DECLARED_CHARS)
        declared = _DECLARED_LIST.search(text, line_start, at)
        if declared is not None:
            names.update(part.strip() for part in declared.group(1).split(","))
        at = text.find(":=", at + 2)
    names.update(m.group(1) for m in _VAR.finditer(text) if _is_local_var(text, m.start()))
    for match in _SIGNATURE.finditer(text):
        if not _is_word_start(text, match.start()):
            continue
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


def _is_local_var(text: str, at: int) -> bool:
    """Whether the `var` at `at` declares a local: indented on its line (gofmt puts a
    package-level `var` at column 0, and that name is the package's own)."""
    line_start = text.rfind("\n", 0, at) + 1
    return at > line_start and not text[line_start:at].strip()


def _is_word_start(text: str, at: int) -> bool:
    """Whether a keyword found at `at` starts a word (`var`, not `envvar`)."""
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "_.")


def _keys(text: str) -> Counter[str]:
    """The keys of the composite literals in `text` (`{method: m, root: r}`), leaving out
    a `case a, b:` line's names, which are values."""
    keys: Counter[str] = Counter()
    for match in _KEY.finditer(text):
        if _CASE.match(text, text.rfind("\n", 0, match.start(1)) + 1) is None:
            keys[match.group(1)] += 1
    return keys
