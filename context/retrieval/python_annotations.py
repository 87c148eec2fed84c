"""The type a Python annotation about to be written names, from how the same name is
annotated elsewhere (`cookies: |` where a sibling class says `cookies: RequestsCookieJar`).

At `name: |` (a field in a class body, `self.name: |`, a parameter `def f(request: |`) the
code about to be written is a type, and the best evidence for which one is the name itself:
the edited file's other annotations of that name (a parameter annotated the same way in
the method before), then the fields of that name that the index holds across the
workspace, each resolved through the imports of the file that writes it. The types found
are shown by the definition source before the names the file merely imports.

Guarantees: a pure function of the text, the cursor and the index; yields nothing outside
an annotation; at most `MAX_TYPES` types; `is_expired` is checked between lookups.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from collections.abc import Callable

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.python_types import declared_annotation

MAX_TYPES = 1
MAX_FIELDS = 40
_ANNOTATED = re.compile(r"(?:^|[(,]|\bself\.)\s*([A-Za-z_]\w*)\s*:\s*([A-Za-z_]\w*)?$")
_TYPE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_NOT_TYPES = frozenset(
    {
        "Optional", "Union", "Annotated", "Final", "ClassVar", "Type", "type", "None", "list",
        "dict", "set", "frozenset", "tuple", "List", "Dict", "Set", "FrozenSet", "Tuple",
        "Sequence", "Mapping", "MutableMapping", "Iterable", "Iterator", "Callable", "Any",
        "str", "int", "float", "bool", "bytes", "object", "t", "typing", "te",
    }
)  # fmt: skip
"""Names in an annotation that are no type of the project's own."""


def annotated_name(line_before_cursor: str) -> str | None:
    """The name whose annotation the cursor starts (`cookies: |`, `def f(self, req: Re|`),
    or None."""
    code = line_before_cursor.split("#", 1)[0]
    found = _ANNOTATED.search(code)
    # `else:`, `try:`: a block opens, nothing is annotated; `lambda x:` takes a body.
    if found is None or keyword.iskeyword(found.group(1)) or "lambda" in code:
        return None
    return found.group(1)


def annotation_types(
    bindings: Bindings,
    text_before_cursor: str,
    text_after_cursor: str,
    is_expired: Callable[[], bool] = lambda: False,
) -> list[SymbolRow]:
    """The project's types that `name: |` at the cursor most likely names (see the module
    docstring); empty for other languages and outside an annotation."""
    if bindings.language != "python":
        return []
    line_start = text_before_cursor.rfind("\n") + 1
    name = annotated_name(text_before_cursor[line_start:])
    if name is None:
        return []
    # The same file first: the edited text around the cursor's line, not the disk's.
    here = text_before_cursor[:line_start] + text_after_cursor[text_after_cursor.find("\n") :]
    votes: Counter[str] = Counter()
    for annotation in re.findall(rf"(?<![\w.]){re.escape(name)}\s*:(?!=)\s*([^=\n]+)", here):
        for type_name in _type_names(annotation):
            votes[type_name] += 1
    found = _resolved(bindings, bindings, votes)
    if found or is_expired():
        return found
    fields = [r for r in bindings.store.definitions_named([name], limit=MAX_FIELDS) if r.container]
    others: dict[str, Counter[str]] = {}
    for row in fields:
        annotation = declared_annotation(row.signature, name)
        for type_name in _type_names(annotation or ""):
            others.setdefault(row.rel_path, Counter())[type_name] += 1
    for path, counts in others.items():
        if is_expired():
            break
        found = _resolved(bindings, Bindings.of(bindings.store, path, "python"), counts)
        if found:
            return found
    return []


def _type_names(annotation: str) -> list[str]:
    """The names in an annotation that may be a project's type, wrappers left out."""
    names = []
    for match in _TYPE_NAME.finditer(annotation.strip().strip("\"'")):
        last = match.group(0).rsplit(".", 1)[-1]
        if last not in _NOT_TYPES and match.group(0) not in _NOT_TYPES:
            names.append(last)
    return names


def _resolved(bindings: Bindings, where: Bindings, votes: Counter[str]) -> list[SymbolRow]:
    """The most voted names that resolve to a type in the file of `where`."""
    found: list[SymbolRow] = []
    for type_name, _ in votes.most_common():
        rows = where.resolve_type(type_name) or (
            bindings.resolve_type(type_name) if where is not bindings else []
        )
        found.extend(rows[:1])
        if len(found) >= MAX_TYPES:
            break
    return found
