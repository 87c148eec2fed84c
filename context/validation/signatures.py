"""What a function accepts, read from its parameter list: `Params`.

`python_params(node)` and `javascript_params(node)` read a tree-sitter parameter list;
`params_from_signature(signature, lang)` parses the header text the index stores
(`def total(self, tax: float) -> float:`, `export function f(a: number, b?: string)`);
`params_from_callable(obj)` reads a loaded Python standard-library callable with `inspect`,
`params_from_ast(arguments)` a standard-library function's source.
Each returns None when the parameters cannot be known for sure.
"""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter as ts

from context.languages import Language
from context.syntax import parse


@dataclass(frozen=True)
class Params:
    """The arguments a function takes."""

    positional: tuple[str, ...]
    """Names that can be passed by position, in order."""
    required: frozenset[str]
    """Names that must be passed (no default), positional or keyword-only."""
    keyword: frozenset[str]
    """Names that can be passed by keyword."""
    has_var_positional: bool = False
    has_var_keyword: bool = False

    def without_first(self) -> Params:
        """The parameters of a method called through its instance (`self` dropped)."""
        if not self.positional:
            return self
        first = self.positional[0]
        return Params(
            self.positional[1:],
            self.required - {first},
            self.keyword - {first},
            self.has_var_positional,
            self.has_var_keyword,
        )

    @property
    def n_required_positional(self) -> int:
        """How many leading positional parameters have no default."""
        n_required = 0
        for name in self.positional:
            if name not in self.required:
                break
            n_required += 1
        return n_required

    def describe(self, noun: str = "positional argument") -> str:
        """How many arguments it takes, e.g. `1 to 2 positional arguments`."""
        low, high = self.n_required_positional, len(self.positional)
        if self.has_var_positional:
            return f"at least {low} {noun}" + ("" if low == 1 else "s")
        count = str(low) if low == high else f"{low} to {high}"
        return f"{count} {noun}" + ("" if count == "1" else "s")


def python_params(parameters: ts.Node, source: bytes) -> Params | None:
    """The `Params` of a Python `parameters` node."""
    positional: list[str] = []
    required: set[str] = set()
    keyword: set[str] = set()
    has_var_positional = has_var_keyword = is_keyword_only = False
    positional_only: list[str] = []
    for child in parameters.named_children:
        kind = child.type
        if kind == "typed_parameter" and child.named_children:
            inner = child.named_children[0]
            if inner.type in ("list_splat_pattern", "dictionary_splat_pattern"):
                kind, child = inner.type, inner
        if kind == "list_splat_pattern":
            has_var_positional = is_keyword_only = True
            continue
        if kind == "dictionary_splat_pattern":
            has_var_keyword = True
            continue
        if kind == "keyword_separator":
            is_keyword_only = True
            continue
        if kind == "positional_separator":
            positional_only = list(positional)
            continue
        name_node = child.child_by_field_name("name") if "default" in kind else None
        if kind == "identifier":
            name_node = child
        elif kind == "typed_parameter":
            name_node = child.named_children[0] if child.named_children else None
        if name_node is None or name_node.type != "identifier":
            return None
        name = source[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
        if "default" not in kind:
            required.add(name)
        if not is_keyword_only:
            positional.append(name)
        keyword.add(name)
    keyword -= set(positional_only)
    return Params(
        tuple(positional),
        frozenset(required),
        frozenset(keyword),
        has_var_positional,
        has_var_keyword,
    )


def javascript_params(parameters: ts.Node, source: bytes, *, is_typed: bool) -> Params:
    """The `Params` of a JavaScript or TypeScript `formal_parameters` node.

    In JavaScript every parameter may be left out, so only the TypeScript reading has
    required parameters.
    """
    positional: list[str] = []
    required: set[str] = set()
    has_rest = False
    for index, child in enumerate(parameters.named_children):
        pattern = child.child_by_field_name("pattern") or child
        if pattern.type == "rest_pattern" or child.type == "rest_pattern":
            has_rest = True
            continue
        name = f"#{index}"
        positional.append(name)
        is_optional = (
            child.type in ("optional_parameter", "assignment_pattern")
            or child.child_by_field_name("value") is not None
        )
        if is_typed and not is_optional:
            required.add(name)
    return Params(tuple(positional), frozenset(required), frozenset(), has_rest, False)


@lru_cache(maxsize=512)
def params_from_signature(signature: str, lang: Language) -> Params | None:
    """Parse a stored header (the index's `signature`) into `Params`, or None."""
    if lang.name == "python":
        header = signature.rstrip()
        if not header.endswith(":"):
            return None
        tree = parse(lang, header + "\n    pass\n")
        node = _first_of(tree.root_node, "function_definition")
        parameters = node.child_by_field_name("parameters") if node is not None else None
        if parameters is None or tree.root_node.has_error:
            return None
        return python_params(parameters, tree.root_node.text or b"")
    if lang.name in ("javascript", "typescript", "tsx"):
        tree = parse(lang, signature.rstrip().rstrip("{").rstrip() + " {}\n")
        node = _first_of(tree.root_node, "formal_parameters")
        if node is None or tree.root_node.has_error:
            return None
        return javascript_params(
            node, tree.root_node.text or b"", is_typed=lang.name != "javascript"
        )
    return None


def params_from_callable(obj: object) -> Params | None:
    """The `Params` of a Python callable that `inspect` can read, or None."""
    try:
        signature = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    positional: list[str] = []
    required: set[str] = set()
    keyword: set[str] = set()
    has_var_positional = has_var_keyword = False
    for parameter in signature.parameters.values():
        kind = parameter.kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            has_var_positional = True
            continue
        if kind is inspect.Parameter.VAR_KEYWORD:
            has_var_keyword = True
            continue
        if parameter.default is inspect.Parameter.empty:
            required.add(parameter.name)
        if kind is not inspect.Parameter.KEYWORD_ONLY:
            positional.append(parameter.name)
        if kind is not inspect.Parameter.POSITIONAL_ONLY:
            keyword.add(parameter.name)
    return Params(
        tuple(positional),
        frozenset(required),
        frozenset(keyword),
        has_var_positional,
        has_var_keyword,
    )


def params_from_ast(arguments: ast.arguments) -> Params:
    """The `Params` of a function's `ast.arguments` (a standard-library source's `def`)."""
    ordered = [*arguments.posonlyargs, *arguments.args]
    n_without_default = len(ordered) - len(arguments.defaults)
    positional = tuple(a.arg for a in ordered)
    required = {a.arg for a in ordered[:n_without_default]}
    keyword = {a.arg for a in arguments.args}
    for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        keyword.add(arg.arg)
        if default is None:
            required.add(arg.arg)
    return Params(
        positional,
        frozenset(required),
        frozenset(keyword),
        arguments.vararg is not None,
        arguments.kwarg is not None,
    )


def header_at(text: str, start: int) -> str:
    """The header starting at `start` up to its body: a `def`'s or `class`'s text through
    the `:` that ends it, a JavaScript function's through its `{` or `=>` (at most 2,000
    characters; brackets, strings aside, are balanced on the way)."""
    depth = 0
    for at in range(start, min(len(text), start + 2000)):
        ch = text[at]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch == ":" and text[at + 1 : at + 2] in ("", "\n", " ", "\r", "#"):
            return text[start : at + 1]
        elif depth == 0 and (ch == "{" or text.startswith("=>", at)):
            return text[start:at]
    return text[start : start + 2000]


def block_end(text: str, line_start: int) -> int:
    """Where the indented block of the header line at `line_start` ends (Python): the start
    of the next non-blank line indented no deeper than the header, closers aside."""
    header_end = text.find("\n", line_start)
    if header_end == -1:
        return len(text)
    line = text[line_start:header_end]
    found = _dedent_pattern(len(line) - len(line.lstrip())).search(text, header_end + 1)
    return found.start() if found is not None else len(text)


@lru_cache(maxsize=64)
def _dedent_pattern(indent: int) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]{{0,{indent}}}(?=[^ \t\r\n)\]}}])", re.MULTILINE)


def is_decorated(text: str, start: int) -> bool:
    """Whether the line before `start` (blank lines aside) is a decorator."""
    # `text[:start].rstrip()` would copy the text before `start` on every call.
    end = start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return text[text.rfind("\n", 0, end) + 1 : end].lstrip().startswith("@")


def _first_of(root: ts.Node, node_type: str) -> ts.Node | None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == node_type:
            return node
        stack.extend(reversed(node.children))
    return None
