"""Where an untyped callback parameter gets its type from: the call it is passed to.

`observable((observer) => observer.|)` states no type for `observer`, but `observable`'s
signature does: `subscribe: (observer: Observer<T>) => TeardownLogic`. TypeScript types such
a parameter from the callee's parameter (contextual typing); `callback_slot` finds, in the
text before the cursor, the innermost function written in place (an arrow, a `function`
expression, or an object literal's method or arrow property) whose own parameters hold the
name, and says which call it is an argument of: the callee's text, the argument's index,
the parameter's index, and the object literal's key when the function is one of its
members (`new ReadableStream({ pull(controller) { ... } })`). `parameter_types` and
`function_parameter` read the declared side: a signature's parameter types by position, and
the type of a function type's parameter (`(observer: Observer<T>) => void`).

Guarantees: pure functions of the text; never raise; a slot is found only when the cursor
is inside the function's body and the name is one of its parameters with no stated type;
strings and comments are not told apart from code (a parenthesis in one may hide a slot,
never invent a type the code does not state).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from context.retrieval.brackets import closing_bracket

WINDOW_CHARS = 4_000
"""How far before the cursor the enclosing function and its call are looked for."""

_OPEN = "([{"
_CLOSE = ")]}"
_PARAMETERS = r"[^()]*?(?<![\w$.]){n}(?![\w$])[^()]*"
"""A parameter list that names `n` (formatted in), so that the scan skips all others."""
_HEADER_TEMPLATES = (
    # `(a, b) =>` and `async (a) =>`, with a return annotation or none.
    rf"\(({_PARAMETERS})\)\s*(?::\s*[^=;{{}}()]+)?=>",
    r"(?<![\w$.])({n})\s*=>",
    rf"\bfunction\b\s*\*?\s*[\w$]*\s*\(({_PARAMETERS})\)\s*(?::\s*[^{{;]+)?\{{",
    # An object literal's method (`pull(controller) {`, `async *next(x) {`).
    # Its `async` or `*` before it need not be read: a call is never followed by `{`.
    rf"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(({_PARAMETERS})\)\s*\{{",
)
_NOT_METHODS = frozenset({"if", "for", "while", "switch", "catch", "function", "with", "return"})
_CALLEE = re.compile(
    r"(?:\bnew\s+)?((?:[A-Za-z_$][\w$]*\s*\??\.\s*)*[A-Za-z_$][\w$]*)\s*(?:<[^()=;{}]*>)?\s*$"
)
_KEY_BEFORE = re.compile(r"([A-Za-z_$][\w$]*)\s*:\s*(?:async\s+)?$")


@dataclass(frozen=True)
class CallbackSlot:
    """The call that an untyped parameter's function is passed to, and where in it."""

    callee: str
    """The called name or chain, spaces removed (`observable`, `source.subscribe`)."""
    argument: int
    """The index of the argument that is (or holds) the function."""
    parameter: int
    """The index of the name among the function's parameters."""
    key: str | None
    """The object literal's key the function is written under, None when it is the
    argument itself."""


def callback_slot(text: str, offset: int, name: str) -> CallbackSlot | None:
    """The slot of the innermost function around `offset` with an untyped parameter
    `name`, or None."""
    start = max(0, offset - WINDOW_CHARS)
    window = text[start:offset]
    best: tuple[int, int, int, int | None] | None = None
    for pattern in _headers(name):
        for match in pattern.finditer(window):
            method = pattern.groups == 2
            if method and match.group(1) in _NOT_METHODS:
                continue
            index = _parameter_index(match.group(match.lastindex or 1), name)
            if index is None or not _encloses(window, match.end(), window[match.end() - 1]):
                continue
            head = match.start(1) if method else match.start()
            if best is None or head > best[0]:
                best = (head, index, match.end(), match.start(1) if method else None)
    if best is None:
        return None
    head, index, _, method_at = best
    key = _method_name(window, method_at) if method_at is not None else None
    if key is None:
        key_match = _KEY_BEFORE.search(window, 0, head)
        key = key_match.group(1) if key_match is not None else None
    opener, argument = _unmatched_opener(window, head)
    if opener < 0:
        return None
    if window[opener] == "{":
        if key is None:
            return None
        opener, argument = _unmatched_opener(window, opener)
    else:
        key = None
    if opener < 0 or window[opener] != "(":
        return None
    callee = _CALLEE.search(window, 0, opener)
    if callee is None:
        return None
    return CallbackSlot(re.sub(r"\s+|\?", "", callee.group(1)), argument, index, key)


@lru_cache(maxsize=512)
def _headers(name: str) -> tuple[re.Pattern[str], ...]:
    """The function-header patterns whose parameter list names `name`."""
    n = re.escape(name)
    return tuple(re.compile(t.replace("{n}", n)) for t in _HEADER_TEMPLATES)


_PARAMETER_HEAD = re.compile(
    r"\s*(?:(?:public|private|protected|readonly|override)\s+)*(?:\.\.\.)?"
    r"([A-Za-z_$][\w$]*)\s*\??\s*(:)?"
)
"""A parameter's modifiers, name and the `:` of its type (`private readonly store?: S`)."""


def parameter_types(signature: str, open_at: int) -> list[str | None]:
    """The types of the parameters whose list opens at `signature[open_at]` (`(`), in
    order, None for one that states none."""
    return [declared for _, declared in parameters(signature, open_at)]


def parameters(signature: str, open_at: int) -> list[tuple[str | None, str | None]]:
    """The name and the stated type of each parameter whose list opens at
    `signature[open_at]` (`(`), in order: None for a name that is a destructuring pattern,
    and for a type that is not stated; a default value is no part of the type."""
    found: list[tuple[str | None, str | None]] = []
    for part in _top_level_parts(signature, open_at):
        head = _PARAMETER_HEAD.match(part)
        name = head.group(1) if head is not None else None
        if head is None or head.group(2) is None:
            found.append((name, None))
            continue
        declared = part[head.end() :]
        depth = 0
        for idx, ch in enumerate(declared):
            if ch in _OPEN + "<":
                depth += 1
            elif ch in _CLOSE or (ch == ">" and declared[idx - 1 : idx] != "="):
                depth -= 1
            elif ch == "=" and depth == 0 and declared[idx + 1 : idx + 2] != ">":
                declared = declared[:idx]
                break
        found.append((name, declared.strip() or None))
    return found


def function_parameter(declared: str, index: int) -> str | None:
    """The type of parameter `index` of the function type `declared`
    (`(observer: Observer<T>) => void`), None when it is no function type or states none."""
    flat = " ".join(declared.split()).removeprefix("new ").strip()
    if flat.startswith("<"):
        closing = closing_bracket(flat, 0, "<", ">")
        flat = flat[closing + 1 :].strip() if closing is not None else flat
    if not flat.startswith("(") or "=>" not in flat:
        return None
    types = parameter_types(flat, 0)
    return types[index] if index < len(types) else None


def _parameter_index(parameters: str, name: str) -> int | None:
    """Where `name` is among the untyped `parameters` (`a, b = 1`), or None (absent, or
    typed: then the ordinary declaration lookup reads its type)."""
    for idx, part in enumerate(_split_commas(parameters)):
        found = re.fullmatch(rf"\s*(?:\.\.\.)?{re.escape(name)}\s*(\??\s*:[\s\S]*|=[\s\S]*)?", part)
        if found is not None:
            typed = found.group(1) is not None and not found.group(1).startswith("=")
            return None if typed else idx
    return None


def _encloses(window: str, body_at: int, last: str) -> bool:
    """Whether the function body starting at `body_at` runs to the end of `window` (the
    cursor): a block (`{` ending the header, or the `{` after `=>`) not yet closed, or an
    expression body with no `,` or `;` of its own before the cursor."""
    rest = window[body_at:]
    block = last == "{"
    if not block:
        stripped = rest.lstrip()
        if stripped.startswith("{"):
            block = True
            rest = stripped[1:]
    depth = 0
    for ch in rest:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                return False
        elif depth == 0 and not block and ch in ",;":
            return False
    return True


def _unmatched_opener(window: str, end: int) -> tuple[int, int]:
    """The innermost bracket open at `end` and the commas at its own depth after it (the
    index of the argument or property there); -1 when there is none."""
    depth = 0
    commas = 0
    for idx in range(end - 1, -1, -1):
        ch = window[idx]
        if ch in _CLOSE:
            depth += 1
        elif ch in _OPEN:
            if depth == 0:
                return idx, commas
            depth -= 1
        elif ch == "," and depth == 0:
            commas += 1
    return -1, 0


def _method_name(window: str, at: int) -> str | None:
    found = re.match(r"[A-Za-z_$][\w$]*", window[at:])
    return found.group(0) if found is not None else None


def _top_level_parts(text: str, open_at: int) -> list[str]:
    """The comma-separated parts of the bracketed list that opens at `text[open_at]`."""
    closing = closing_bracket(text, open_at, "(", ")")
    inner = text[open_at + 1 : closing] if closing is not None else text[open_at + 1 :]
    return [p for p in _split_commas(inner) if p.strip()]


def _split_commas(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    last = 0
    for idx, ch in enumerate(text):
        if ch in _OPEN or ch == "<":
            depth += 1
        elif ch in _CLOSE or (ch == ">" and text[idx - 1 : idx] != "="):
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[last:idx])
            last = idx + 1
    parts.append(text[last:])
    return parts
