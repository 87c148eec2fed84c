"""Python type expressions and value expressions, read as text: what a subscript, a loop or an
unpacking gives, and where a local name was last given a value.

A type checker-lite for the member source (`retrieval.receiver`): `self._body[idx][1]` with
`_body: list[tuple[Key | None, Item]]` is an `Item`; `for key, item in pairs.items()` with
`pairs: dict[str, Item]` makes `item` an `Item`; `name, cmd, args = resolve(...)` with
`-> tuple[str, Command | None, list[str]]` makes `cmd` a `Command`; inside
`if isinstance(command, Group):`, and after `if not isinstance(command, Group): return`,
`command` is a `Group`. Only the standard
generic containers of `typing` and the builtins are understood; anything else gives None.

Guarantees: pure functions of their text; never raise on any input; an unknown container,
a bad index or an unbalanced bracket gives None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from context.retrieval.brackets import closing_bracket

_SEQUENCES = frozenset(
    {
        "list", "List", "Sequence", "MutableSequence", "Iterable", "Iterator", "Collection",
        "set", "Set", "frozenset", "FrozenSet", "MutableSet", "AbstractSet", "deque", "Deque",
        "Generator", "AsyncIterator", "AsyncIterable", "AsyncGenerator", "Reversible",
    }
)  # fmt: skip
"""Containers whose first argument is the element's type."""
_MAPPINGS = frozenset(
    {
        "dict", "Dict", "Mapping", "MutableMapping", "OrderedDict", "defaultdict", "DefaultDict",
        "ChainMap", "Counter",
    }
)  # fmt: skip
_TUPLES = frozenset({"tuple", "Tuple", "NamedTuple"})
_OPTIONAL = re.compile(r"^(?:[\w.]*\.)?Optional\[(.*)\]$")
_GENERIC = re.compile(r"^((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*))\s*\[(.*)\]$")
_NAME = r"[A-Za-z_]\w*"
_STEP = re.compile(rf"\s*({_NAME})\s*(\()?")
_PARENTHESIZED = re.compile(r"\(\s*(?:await\s+)?")


@dataclass(frozen=True)
class Step:
    """One name of a value expression: `name`, whether it is called, its subscripts."""

    name: str
    is_call: bool
    subscripts: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    """Where a local name was last given a value, and how: `expression` is iterated by a
    `for` (`is_loop`), and `position` picks the name's place when several are unpacked."""

    at: int
    steps: tuple[Step, ...]
    is_loop: bool
    position: int | None
    value_at: int
    """Where the value's expression starts."""
    is_parenthesized: bool = False
    """Whether the value is wrapped in brackets (`x = (\\n    Text.from_markup(s)\\n    if s
    else None\\n)`): its first branch is the value's type."""


def last_assignment(text: str, name: str) -> Assignment | None:
    """The last place in `text` where `name` is assigned, unpacked or bound by a `for`
    (`x = a.b[0]`, `k, x = pair`, `for k, x in a.items()`), or None."""
    n = re.escape(name)
    targets = rf"((?:{_NAME}\s*,\s*)*){n}((?:\s*,\s*{_NAME})*)"
    patterns = (
        (False, rf"(?m)^[ \t]*\(?{targets}\)?\s*=(?!=)\s*(?:await\s+)?"),
        (True, rf"\b(?:async\s+)?for\s+\(?{targets}\)?\s+in\s+"),
    )
    best: Assignment | None = None
    for is_loop, pattern in patterns:
        for match in re.finditer(pattern, text):
            if best is not None and match.start() <= best.at:
                continue
            value_at = match.end()
            wrapped = None if is_loop else _PARENTHESIZED.match(text, value_at)
            if wrapped is not None:
                if _is_tuple(text[value_at : value_at + 2000]):
                    continue
                value_at = wrapped.end()
            steps = value_steps(text[value_at : value_at + 400])
            if not steps:
                continue
            before, after = match.group(1), match.group(2)
            is_unpacked = bool(before.strip() or after.strip())
            position = before.count(",") if is_unpacked else None
            best = Assignment(
                match.start(), steps, is_loop, position, value_at, wrapped is not None
            )
    return best


def declared_annotation(signature: str, name: str) -> str | None:
    """The annotation that a signature or declaration gives `name` (`name: T`, with
    brackets, commas and quotes inside `T` kept whole), or None."""
    # `self.name: T = ...` declares a field; `other.name: T` is no declaration of it.
    match = re.search(rf"(?:(?<![\w.])|(?<=self\.)){re.escape(name)}\s*:(?!=)\s*", signature)
    if match is None:
        return None
    depth, at = 0, match.end()
    for idx in range(at, len(signature)):
        ch = signature[idx]
        if ch in "[(":
            depth += 1
        elif ch in "])":
            if depth == 0:
                return signature[at:idx].strip() or None
            depth -= 1
        elif depth == 0 and ch in "=,\n":
            return signature[at:idx].strip() or None
    return signature[at:].strip().rstrip(":").strip() or None


def narrowed_type(text: str, name: str) -> tuple[int, str] | None:
    """Where and to what `isinstance` narrows `name` at the end of `text`: the last
    `if`/`elif`/`while`/`assert isinstance(name, T)` whose block holds the end of `text`
    (a line indented less than the last one, or an `assert` at most as deep); a negated
    test (`not isinstance`) narrows only past a block that always leaves (`_exits`)."""
    last_line = text[text.rfind("\n") + 1 :]
    depth = len(last_line) - len(last_line.lstrip())
    pattern = (
        rf"(?m)^([ \t]*)(if|elif|while|assert)\s+(?:[^\n]*?\b(?:and|or)\s+)?"
        rf"(not\s+)?isinstance\(\s*{re.escape(name)}\s*,\s*([^\n]+?)\)\s*(?:[:\n]|and\b|or\b|,)"
    )
    best: tuple[int, str] | None = None
    for match in re.finditer(pattern, text):
        indent = len(match.group(1).expandtabs())
        is_assert = match.group(2) == "assert"
        is_enclosing = indent < depth or (is_assert and indent <= depth)
        # An `assert` narrows to the end of its own block: only a shallower line ends it.
        closing = indent - 1 if is_assert else indent
        if match.group(3):
            # `if not isinstance(x, A): return`: past that block, `x` is an `A`.
            if match.group(2) == "if" and _exits(text, match.end(), indent, depth):
                best = (match.start(), match.group(4).strip().strip("()"))
            continue
        if not is_enclosing or _is_closed(text, match.end(), closing):
            continue
        best = (match.start(), match.group(4).strip().strip("()"))
    return best


_EXITS = ("return", "raise", "continue", "break")


def _exits(text: str, at: int, indent: int, depth: int) -> bool:
    """Whether the `if` block whose test ends at `at` (its `if` `indent` deep) always
    leaves (its last statement returns, raises, continues or breaks), has no `else`, and
    the end of `text` (a line `depth` deep) stands after it in the same block."""
    head, _, rest = text[at:].partition("\n")
    lines = [line for line in rest.split("\n")[:-1] if line.strip()]
    lines = [line for line in lines if not line.lstrip().startswith("#")]
    depths = [len(line) - len(line.lstrip()) for line in lines]
    n_body = next((idx for idx, d in enumerate(depths) if d <= indent), len(lines))
    if head.strip():
        # `if not isinstance(x, A): return` on one line.
        last, n_body = head.strip(), 0
    elif n_body:
        last = lines[n_body - 1].strip()
    else:
        return False
    after = lines[n_body:]
    if after and after[0].lstrip().startswith(("else", "elif")):
        return False
    if not last.startswith(_EXITS) or any(d < indent for d in depths[n_body:]):
        return False
    # With no line between the block and the cursor, the cursor's own line must not be
    # in the block.
    return depth >= indent and (bool(after) or depth == indent)


def _is_closed(text: str, at: int, indent: int) -> bool:
    """Whether a line after `at` and before the last one starts at most `indent` deep,
    closing the block opened there (an `else` leaves the narrowing behind too)."""
    lines = text[at:].split("\n")[1:-1]
    return any(
        line.strip() and len(line) - len(line.lstrip()) <= indent
        for line in lines
        if not line.lstrip().startswith(("#", ")", "]"))
    )


def value_steps(expression: str) -> tuple[Step, ...]:
    """The chain of names, calls and subscripts at the start of `expression`
    (`self._body[idx][1]`, `env.load(name).blocks`), or () when it starts otherwise."""
    steps: list[Step] = []
    at = 0
    while True:
        match = _STEP.match(expression, at)
        if match is None:
            break
        at = match.end()
        is_call = match.group(2) is not None
        if is_call:
            close = closing_bracket(expression, at - 1, "(", ")")
            if close is None:
                break
            at = close + 1
        subscripts: list[str] = []
        while at < len(expression) and expression[at] == "[":
            close = closing_bracket(expression, at, "[", "]")
            if close is None:
                return tuple(steps)
            subscripts.append(expression[at + 1 : close].strip())
            at = close + 1
        steps.append(Step(match.group(1), is_call, tuple(subscripts)))
        rest = expression[at:].lstrip(" \t")
        if not rest.startswith("."):
            break
        at = len(expression) - len(rest) + 1
    return tuple(steps)


def subscripted(annotation: str, index: str) -> str | None:
    """The type of `value[index]` for a value annotated `annotation`: a sequence's element,
    a mapping's value, a tuple's element at a literal index."""
    generic = _generic(annotation)
    if generic is None:
        return None
    kind, arguments = generic
    if kind in _MAPPINGS:
        return arguments[1] if len(arguments) == 2 else None
    if kind in _TUPLES:
        if len(arguments) == 2 and arguments[1] == "...":
            return arguments[0]
        try:
            return arguments[int(index)]
        except (ValueError, IndexError):
            return None
    if kind in _SEQUENCES and arguments and ":" not in index:
        return arguments[0]
    return None


def iterated(annotation: str, method: str = "") -> str | None:
    """The element type of `for x in value` (or of `value.items()`, `.keys()`, `.values()`
    when `method` names one) for a value annotated `annotation`."""
    generic = _generic(annotation)
    if generic is None:
        return None
    kind, arguments = generic
    if kind in _MAPPINGS and len(arguments) == 2:
        chosen = {"": arguments[0], "keys": arguments[0], "values": arguments[1]}
        if method == "items":
            return f"tuple[{arguments[0]}, {arguments[1]}]"
        return chosen.get(method)
    if method:
        return None
    if kind in _SEQUENCES and arguments:
        return arguments[0]
    if kind in _TUPLES and arguments:
        return arguments[0]
    return None


def unpacked(annotation: str, position: int) -> str | None:
    """The type of the name at `position` of `a, b, c = value` for a value annotated
    `annotation` (a tuple's element, or any sequence's element type)."""
    generic = _generic(annotation)
    if generic is None:
        return None
    kind, arguments = generic
    if kind in _TUPLES and not (len(arguments) == 2 and arguments[1] == "..."):
        return arguments[position] if position < len(arguments) else None
    return subscripted(annotation, str(position))


def _generic(annotation: str) -> tuple[str, list[str]] | None:
    """A generic type's last name and its top-level arguments, wrappers that allow None
    (`Optional[...]`, `X | None`) and quotes looked through."""
    text = annotation.strip().strip("\"'").strip()
    for _ in range(4):
        optional = _OPTIONAL.match(text)
        if optional is not None:
            text = optional.group(1).strip()
            continue
        parts = [p.strip() for p in _split(text, "|") if p.strip() not in ("None", "")]
        if len(parts) == 1 and parts[0] != text:
            text = parts[0]
            continue
        break
    match = _GENERIC.match(text)
    if match is None:
        return None
    return match.group(2), [a.strip() for a in _split(match.group(3), ",")]


def _split(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside brackets."""
    parts, depth, start = [], 0, 0
    for idx, ch in enumerate(text):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == separator and depth == 0:
            parts.append(text[start:idx])
            start = idx + 1
    parts.append(text[start:])
    return parts


def _is_tuple(text: str) -> bool:
    """Whether the bracket opening `text` holds a comma at its own level (a tuple, whose
    first element says nothing of the value's type), or is not closed within it."""
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return False
        elif ch == "," and depth == 1:
            return True
    return True
