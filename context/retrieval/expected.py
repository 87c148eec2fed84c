"""Expected types: the type the code at the cursor must have, read from what the code says.

Two places say it without a type checker:

- an argument of a call whose callee's signature is known: `Error::new(|` with `fn new(kind:
  ErrorKind)`, `self.eat(|` with `fn eat(&mut self, expected: Token<'a>)`, Go's
  `setLevel(|` with `func setLevel(l Level)`: the argument is a value of the parameter's
  type, most often one of its variants or constructors (`ErrorKind::LeadingZero(pos)`);
- in Rust, a name being given a value (`let input = |`, a struct literal's `identifier: |`)
  whose words make a type's name (`Input`, `Identifier`): Rust code names a value after its
  type, and the value most often comes from that type's constructors (`Input::no_trim(s)`);
  and a function's return type about to be written (`fn unique_by(self, f: F) -> |`), which
  Rust names after the function (`UniqueBy`, `into_grouping_map` -> `GroupingMap`).

`expected_rows` resolves the callee and the type through the member source's resolver
(`receiver.callee_rows`, `receiver.type_rows`); the rest reads text.

Guarantees: never raises on any text; at most one type per place that says one; nothing
for languages other than Rust and Go.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.impls import crate_members
from context.retrieval.outline import one_line, type_closer, type_header
from context.retrieval.receiver import callee_rows, type_rows
from context.snippet import Snippet

MAX_PARAMETERS_CHARS = 2_000
MAX_EXPECTED_MEMBERS = 64
"""Members of an expected type shown: a variant costs a token or two, and the one the
argument takes may be any of them."""
_SELF_PARAMETER = re.compile(r"^(?:&\s*(?:'\w+\s+)?)?(?:mut\s+)?self\b")
_OPENERS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSERS = frozenset(_OPENERS.values())
_LET = re.compile(r"(?<![\w$])let\s+(?:mut\s+)?([A-Za-z_]\w*)\s*(?::[^=]*)?=\s*$")
# A Rust function's signature up to its return type: `fn unique_by<V, F>(self, f: F) -> `.
_RETURN_TYPE = re.compile(r"(?<![\w$])fn\s+([A-Za-z_]\w*)\s*(?:<[^()]*>)?\s*\(.*\)\s*->\s*$")
_CONVERSION_WORDS = frozenset({"into", "as", "to", "iter"})
_FIELD = re.compile(r"(?:^|[{,(])\s*([A-Za-z_]\w*)\s*:\s*$")
# A callee's name before its `(`, a turbofish (`parse::<T>(`) allowed between them.
_CALLEE = re.compile(r"(?<![\w$])([A-Za-z_]\w*)\s*(?:::\s*<[^()]*>)?\s*$")
_CALLEE_CHARS = 200
_FUNCTION_KINDS = frozenset({"function", "method", "constructor"})


def argument_index(text_after_paren: str) -> int | None:
    """Which argument (0-based) the cursor is in, given the text between a call's `(` and
    the cursor; None when a bracket opened there is still open (the cursor is deeper)."""
    depth = 0
    index = 0
    for ch in text_after_paren[-MAX_PARAMETERS_CHARS:]:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            index += 1
    return index if depth == 0 else None


def parameter_type(
    signature: str, name: str, language: str, index: int, *, is_method_call: bool
) -> str | None:
    """The declared type of the `index`-th argument of a call to `name`, whose definition
    has `signature` (Rust or Go). A Rust method's `self` takes no argument of a method call
    (`x.f(a)`), but the first of a path call (`Type::f(x, a)`)."""
    flat = " ".join(signature.split())
    at = flat.find(name)
    if at < 0:
        return None
    open_at = flat.find("(", at + len(name))
    if open_at < 0:
        return None
    inner = _until_closed(flat[open_at + 1 :])
    parameters = [p.strip() for p in _top_level_split(inner) if p.strip()]
    if language == "rust":
        if is_method_call and parameters and _SELF_PARAMETER.match(parameters[0]):
            parameters = parameters[1:]
        if index >= len(parameters):
            return None
        _, colon, declared = parameters[index].partition(":")
        return declared.strip() if colon else None
    if language == "go":
        types = _go_parameter_types(parameters)
        return types[index] if index < len(types) else None
    return None


def named_type_names(line_before_cursor: str, language: str) -> list[str]:
    """The type names that the Rust name being given a value at the end of the line spells
    (`let mut parser = ` -> `Parser`, `error_code: ` -> `ErrorCode`); empty elsewhere."""
    if language != "rust":
        return []
    returned = _RETURN_TYPE.search(line_before_cursor)
    if returned is not None:
        words = [w for w in re.split(r"_+", returned.group(1)) if w]
        # `into_iter` returns an `IntoIter`, `into_grouping_map` a `GroupingMap`.
        shorter = [words[1:]] if len(words) > 1 and words[0] in _CONVERSION_WORDS else []
        return [c for w in [words, *shorter] if (c := _camel(w))]
    found = _LET.search(line_before_cursor) or _FIELD.search(line_before_cursor)
    if found is None:
        return []
    name = found.group(1)
    words = [w for w in re.split(r"_+", name) if w]
    if not words or name.startswith("_"):
        return []
    camel = _camel(words)
    return [camel] if camel else []


def _camel(words: list[str]) -> str:
    """`["unique", "by"]` -> `UniqueBy`; empty when the words make no type name."""
    camel = "".join(w[:1].upper() + w[1:] for w in words)
    return camel if camel[:1].isupper() else ""


def _go_parameter_types(parameters: list[str]) -> list[str]:
    """Each Go parameter's type: `a, b int` gives both `int`; unnamed ones are types."""
    split = [p.split(None, 1) for p in parameters]
    if all(len(parts) == 1 for parts in split):
        return [parts[0] for parts in split]
    types: list[str] = []
    pending = 0
    for parts in split:
        if len(parts) == 1:
            pending += 1
            continue
        types.extend([parts[1]] * (pending + 1))
        pending = 0
    return types


def _until_closed(text: str) -> str:
    """`text` up to the `)` that closes the parenthesis just before it."""
    depth = 0
    for idx, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                return text[:idx]
            depth -= 1
    return text


def _top_level_split(text: str) -> list[str]:
    """`text` split at the commas outside brackets and generics (`a: HashMap<K, V>, b`)."""
    parts: list[str] = []
    depth = 0
    start = 0
    for idx, ch in enumerate(text):
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS and not (ch == ">" and idx and text[idx - 1] == "-"):
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(text[start:idx])
            start = idx + 1
    parts.append(text[start:])
    return parts


def expected_rows(
    bindings: Bindings, text_before_cursor: str, *, is_expired: Callable[[], bool] = lambda: False
) -> list[SymbolRow]:
    """The types the code at the end of `text_before_cursor` is expected to have, in Rust
    and Go: the parameter's type when it is a call's argument, then the type that the name
    being given a value spells; at most one each."""
    if bindings.language not in ("rust", "go"):
        return []
    found: list[SymbolRow] = []
    call = _open_call(text_before_cursor)
    if call is not None:
        callee, callee_end, index = call
        found.extend(
            _argument_types(bindings, text_before_cursor, callee, callee_end, index, is_expired)
        )
    line = text_before_cursor[text_before_cursor.rfind("\n") + 1 :]
    for name in named_type_names(line, bindings.language):
        found.extend(bindings.resolve_type(name)[:1])
    return list({(r.rel_path, r.start_line_idx): r for r in found}.values())


def expected_snippets(bindings: Bindings, rows: list[SymbolRow]) -> list[Snippet]:
    """Each expected type's outline: its header, then its values first (variants, constants,
    fields) and the functions that make one (returning `Self` or the type), then its other
    members, up to `MAX_EXPECTED_MEMBERS`."""
    snippets = []
    for row in rows:
        members = _members(bindings, row)

        def key(member: SymbolRow, owner: SymbolRow = row) -> int:
            if member.kind not in _FUNCTION_KINDS:
                return 0
            returned = member.signature.rsplit(")", 1)[-1]
            return 1 if re.search(rf"\b(?:Self|{re.escape(owner.name)})\b", returned) else 2

        ordered = sorted(members, key=key)[:MAX_EXPECTED_MEMBERS]
        lines = dict.fromkeys(one_line(m.signature) for m in ordered)
        body = "".join(f"    {line}\n" for line in lines if line)
        text = type_header(row) + body + type_closer(row)
        end = max(
            [row.end_line_idx, *(m.end_line_idx for m in ordered if m.rel_path == row.rel_path)]
        )
        snippets.append(Snippet("definition", row.rel_path, row.start_line_idx, end, text))
    return snippets


def _members(bindings: Bindings, row: SymbolRow) -> list[SymbolRow]:
    """A Rust type's members across its crate's `impl` blocks, a Go type's across its
    package folder."""
    if row.language == "rust":
        return crate_members(bindings.store, row)
    folder = row.rel_path.rsplit("/", 1)[0] if "/" in row.rel_path else ""
    return [
        r
        for r in bindings.store.members(row.name, limit=500)
        if (r.rel_path.rsplit("/", 1)[0] if "/" in r.rel_path else "") == folder
    ]


def _open_call(text: str) -> tuple[str, int, int] | None:
    """The call whose argument list the end of `text` is in: the callee's name, the offset
    just after it, and the argument's index; None outside a call (or deeper in brackets)."""
    window_start = max(0, len(text) - MAX_PARAMETERS_CHARS)
    depth = 0
    for idx in range(len(text) - 1, window_start - 1, -1):
        ch = text[idx]
        if ch in ")]}":
            depth += 1
        elif ch in "[{":
            if depth == 0:
                return None
            depth -= 1
        elif ch == "(":
            if depth > 0:
                depth -= 1
                continue
            callee = _CALLEE.search(text, max(0, idx - _CALLEE_CHARS), idx)
            index = argument_index(text[idx + 1 :])
            if callee is None or index is None:
                return None
            return callee.group(1), callee.end(1), index
        elif ch == ";" and depth == 0:
            return None
    return None


def _argument_types(
    bindings: Bindings,
    text: str,
    callee: str,
    callee_end: int,
    index: int,
    is_expired: Callable[[], bool],
) -> list[SymbolRow]:
    rows, is_method_call = callee_rows(bindings, text, callee_end, is_expired=is_expired)
    if not rows and not re.search(r"(?:\.|::)\s*$", text[: callee_end - len(callee)]):
        rows = [r for r in bindings.resolve(callee)[:2] if r.kind in _FUNCTION_KINDS]
    for row in rows[:3]:
        declared = parameter_type(
            row.signature, callee, row.language, index, is_method_call=is_method_call
        )
        if declared:
            types = type_rows(bindings, declared, row.rel_path, is_expired=is_expired)
            if types:
                return types
    return []
