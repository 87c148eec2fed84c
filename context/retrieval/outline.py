"""Definitions rendered for a prompt: signatures, not bodies.

A function, constant or field is its signature (`def total(self, tax: float) -> float:`); a
method is its signature under its class's header, so the model sees whose method it is; a
class, struct, interface, trait or enum is its outline: the header, then each member's
signature (fields, methods), indented one level, closed with `}` in brace languages.

Members and listed signatures are put on one line each (`one_line`), which keeps a long
parameter list readable and cheap.

Guarantees: every rendered text ends with a line break; an outline lists at most
`MAX_OUTLINE_MEMBERS` members; nothing is read but index rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from context.index.store import SymbolRow
from context.snippet import Snippet

MAX_OUTLINE_MEMBERS = 12
MAX_LINE_CHARS = 160
TYPE_KINDS = frozenset(
    {"class", "interface", "struct", "type", "enum", "trait", "union", "module", "impl"}
)
_INDENT = "    "
_TS_LANGUAGES = frozenset({"typescript", "tsx"})
_WORDS = re.compile(r"[A-Za-z_$][\w$]*")
_VARIANCE = frozenset({"in", "out", "const"})


def render_definition(
    row: SymbolRow, members: Sequence[SymbolRow], container: SymbolRow | None, source: str
) -> Snippet:
    """The snippet showing `row`: an outline made of `members` for a type, the signature
    under `container`'s header for a member, the bare signature otherwise."""
    if row.kind in TYPE_KINDS:
        text = _outline(row, members)
    elif container is not None:
        text = (
            type_header(container)
            + _INDENT
            + one_line(row.signature)
            + "\n"
            + type_closer(container)
        )
    else:
        text = _ending_with_line_break(row.signature)
    return Snippet(source, row.rel_path, row.start_line_idx, row.end_line_idx, text)


def render_signature_list(rows: Sequence[SymbolRow], source: str) -> Snippet:
    """One snippet listing the one-line signatures of several definitions of one file.

    The cheapest way to show many names: a line each, in the order given (best first), so
    that a prompt cut to its first lines keeps the best.
    """
    lines = [one_line(row.signature) + "\n" for row in rows]
    start = min(row.start_line_idx for row in rows)
    end = max(row.end_line_idx for row in rows)
    return Snippet(source, rows[0].rel_path, start, end, "".join(dict.fromkeys(lines)))


def one_line(signature: str, max_chars: int = MAX_LINE_CHARS) -> str:
    """A signature on one line: `def f(\n    a: int,\n) -> X:` -> `def f(a: int) -> X:`."""
    text = " ".join(part.strip() for part in signature.strip().split("\n") if part.strip())
    text = text.replace("( ", "(").replace("[ ", "[").replace(", )", ")").replace(",)", ")")
    text = text.replace(" )", ")").replace(" ]", "]")
    if len(text) > max_chars:
        text = text[: max_chars - 4].rstrip() + " ..."
    return text


def _outline(row: SymbolRow, members: Sequence[SymbolRow]) -> str:
    parts = [type_header(row)]
    seen: set[str] = set()
    for member in members:
        signature = one_line(member.signature)
        if not signature or signature in seen:
            continue
        seen.add(signature)
        parts.append(_INDENT + signature + "\n")
        if len(seen) >= MAX_OUTLINE_MEMBERS:
            break
    parts.append(type_closer(row))
    return "".join(parts)


def type_header(row: SymbolRow) -> str:
    """A type's header line(s), opened with `{` in brace languages; a TypeScript header
    whose type parameters run over lines of their own is cut to their names."""
    signature = row.signature.rstrip()
    if row.language in _TS_LANGUAGES:
        signature = short_type_parameters(signature)
    if row.language == "python" or signature.endswith((":", "{", ";", "=")):
        return signature + "\n"
    return signature + " {\n"


def short_type_parameters(signature: str) -> str:
    """`export class RouterCore<` over seven lines of `in out TRouteTree extends AnyRoute,`
    as `export class RouterCore<TRouteTree, ...> {`: the names are what the members'
    signatures use, and the constraints and defaults cost a line each. Only a header whose
    first line ends with the opening `<` is cut, so that its first line stays as written."""
    first, _, rest = signature.partition("\n")
    if not first.rstrip().endswith("<") or not rest:
        return signature
    depth = 1
    names: list[str] = []
    part = ""
    for idx, ch in enumerate(rest):
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}" and not (ch == ">" and rest[idx - 1 : idx] == "="):
            depth -= 1
        if depth == 0 or (ch == "," and depth == 1):
            words = [w for w in _WORDS.findall(part.split("=")[0]) if w not in _VARIANCE]
            names += words[:1]
            part = ""
            if depth == 0:
                return first.rstrip() + ", ".join(names) + rest[idx:]
        else:
            part += ch
    return signature


def type_closer(row: SymbolRow) -> str:
    """The line closing a type's outline (`}` in brace languages, nothing in Python)."""
    signature = row.signature.rstrip()
    if row.language == "python" or signature.endswith((":", ";", "=")):
        return ""
    return "}\n"


def _ending_with_line_break(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
