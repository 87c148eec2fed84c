"""The `arity` check: calls take as many arguments as their function accepts.

Only calls in the suggestion whose callee is known for sure are checked, in Python and
JavaScript/TypeScript:

- a plain name defined exactly once (or identically) in the file as a function, an
  undecorated class's `__init__`, or else a function in the repository index (when the
  file imports the name, only the index entries from the module it is imported from);
- Python `self.method(...)` inside the class that defines `method`;
- Python `module.function(...)` on a standard-library module, and builtin functions,
  read with `inspect`.

Calls with `*args` or `**kwargs` splats, decorated functions (a decorator may change the
signature) and names bound several ways are skipped. In JavaScript every parameter may be
omitted, so only too many arguments count (and not when the function reads `arguments`).
"""

from __future__ import annotations

import builtins
import importlib
import re
import types
from collections.abc import Iterator

import tree_sitter as ts

from context.names import is_python_stdlib
from context.symbols import SymbolView
from context.validation.problem import Problem
from context.validation.signatures import (
    Params,
    javascript_params,
    params_from_callable,
    params_from_signature,
    python_params,
)
from context.validation.splice import Splice

_JS_FUNCTION_TYPES = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "function"}
)


def check_arity(splice: Splice, view: SymbolView) -> list[Problem]:
    """Problems for calls in the suggestion with an unacceptable number of arguments."""
    if splice.lang.name == "python":
        return list(_python_problems(splice, view))
    if splice.lang.name in ("javascript", "typescript", "tsx"):
        return list(_javascript_problems(splice, view))
    return []


def _calls(splice: Splice, call_type: str) -> Iterator[ts.Node]:
    stack = [splice.tree.root_node]
    while stack:
        node = stack.pop()
        if node.end_byte <= splice.start_byte or node.start_byte >= splice.end_byte:
            continue
        if node.type == call_type and splice.is_in_suggestion(node):
            yield node
        stack.extend(reversed(node.children))


def _problem(splice: Splice, call: ts.Node, message: str) -> Problem:
    start = splice.suggestion_offset(call.start_byte)
    return Problem("arity", message, start, splice.suggestion_offset(call.end_byte))


def _python_problems(splice: Splice, view: SymbolView) -> Iterator[Problem]:
    for call in _calls(splice, "call"):
        callee = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if callee is None or arguments is None:
            continue
        params = _python_callee_params(splice, view, callee, call)
        if params is None:
            continue
        message = _python_mismatch(splice, params, arguments)
        if message is not None:
            yield _problem(splice, call, f"`{splice.node_text(callee)}` {message}")


def _python_mismatch(splice: Splice, params: Params, arguments: ts.Node) -> str | None:
    """Why the arguments do not fit `params`, or None when they do (or cannot be judged)."""
    n_positional = 0
    keywords: list[str] = []
    if arguments.type == "generator_expression":
        n_positional = 1
    else:
        for argument in arguments.named_children:
            if argument.type in ("list_splat", "dictionary_splat", "parenthesized_list_splat"):
                return None
            if argument.type == "comment":
                continue
            if argument.type == "keyword_argument":
                keyword = argument.child_by_field_name("name")
                keywords.append(splice.node_text(keyword) if keyword is not None else "")
            else:
                n_positional += 1
    if n_positional > len(params.positional) and not params.has_var_positional:
        return f"takes {params.describe()} but {n_positional} {_were(n_positional)} given"
    given = set(params.positional[:n_positional])
    for name in keywords:
        if name not in params.keyword and not params.has_var_keyword:
            return f"got an unexpected keyword argument `{name}`"
        given.add(name)
    missing = sorted(params.required - given)
    if missing:
        return f"is missing the required argument `{missing[0]}`"
    return None


def _python_callee_params(
    splice: Splice, view: SymbolView, callee: ts.Node, call: ts.Node
) -> Params | None:
    if callee.type == "identifier":
        name = splice.node_text(callee)
        found = _python_definitions_in_file(splice, name)
        if found:
            return _same(found)
        if _is_bound_otherwise(splice.text, name):
            return None
        if name in builtins.__dict__:
            value = builtins.__dict__[name]
            if isinstance(value, types.BuiltinFunctionType):
                return params_from_callable(value)
            return None
        return _indexed_params(splice, view, name)
    if callee.type == "attribute":
        owner = callee.child_by_field_name("object")
        attribute = callee.child_by_field_name("attribute")
        if owner is None or attribute is None or owner.type != "identifier":
            return None
        owner_name, name = splice.node_text(owner), splice.node_text(attribute)
        if owner_name == "self":
            return _self_method_params(splice, call, name)
        module = _python_module_alias(splice.text, owner_name)
        if module is not None and is_python_stdlib(module):
            return _stdlib_params(module, name)
    return None


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _same(found: list[Params | None]) -> Params | None:
    """The one `Params` all definitions agree on, or None."""
    first = found[0]
    return first if first is not None and all(p == first for p in found) else None


def _python_definitions_in_file(splice: Splice, name: str) -> list[Params | None]:
    """The parameters of every function or class named `name` in the file (methods aside)."""
    found: list[Params | None] = []
    pattern = rf"^[ \t]*(?:async\s+)?(def|class)\s+{re.escape(name)}\b"
    for match in re.finditer(pattern, splice.text, re.MULTILINE):
        offset_bytes = len(splice.text[: match.start(1)].encode("utf-8"))
        node = splice.tree.root_node.descendant_for_byte_range(offset_bytes, offset_bytes)
        while node is not None and node.type not in ("function_definition", "class_definition"):
            node = node.parent
        if node is None:
            found.append(None)
            continue
        if _is_method(node):
            continue
        if node.parent is not None and node.parent.type == "decorated_definition":
            found.append(None)
        elif node.type == "class_definition":
            found.append(_init_params(splice, node))
        else:
            parameters = node.child_by_field_name("parameters")
            found.append(python_params(parameters, splice.source) if parameters else None)
    return found


def _is_method(node: ts.Node) -> bool:
    parent = node.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    return (
        parent is not None
        and parent.type == "block"
        and parent.parent is not None
        and parent.parent.type == "class_definition"
    )


def _init_params(splice: Splice, cls: ts.Node) -> Params | None:
    """The constructor parameters of an undecorated class of the file, or None."""
    if cls.child_by_field_name("superclasses") is not None:
        return None
    body = cls.child_by_field_name("body")
    if body is None:
        return None
    for statement in body.named_children:
        if statement.type == "function_definition":
            name = statement.child_by_field_name("name")
            if name is not None and splice.node_text(name) in ("__init__", "__new__"):
                parameters = statement.child_by_field_name("parameters")
                if parameters is None or splice.node_text(name) == "__new__":
                    return None
                params = python_params(parameters, splice.source)
                return params.without_first() if params is not None else None
        if statement.type == "decorated_definition":
            text = splice.node_text(statement)
            if "def __init__" in text or "def __new__" in text:
                return None
    return Params((), frozenset(), frozenset())


def _self_method_params(splice: Splice, call: ts.Node, name: str) -> Params | None:
    cls = call.parent
    while cls is not None and cls.type != "class_definition":
        cls = cls.parent
    body = cls.child_by_field_name("body") if cls is not None else None
    if body is None:
        return None
    found: list[Params | None] = []
    for statement in body.named_children:
        function = statement
        decorators = ""
        if statement.type == "decorated_definition":
            function = statement.child_by_field_name("definition") or statement
            decorators = splice.node_text(statement)[: function.start_byte - statement.start_byte]
        if function.type != "function_definition":
            continue
        function_name = function.child_by_field_name("name")
        if function_name is None or splice.node_text(function_name) != name:
            continue
        parameters = function.child_by_field_name("parameters")
        params = python_params(parameters, splice.source) if parameters else None
        decorator_names = set(re.findall(r"@\s*([\w.]+)", decorators))
        if params is None or decorator_names - {"staticmethod", "classmethod"}:
            found.append(None)
        elif "staticmethod" in decorator_names:
            found.append(params)
        else:
            found.append(params.without_first())
    return _same(found) if found else None


def _is_bound_otherwise(text: str, name: str) -> bool:
    """Whether `name` is assigned, imported under another name or a parameter somewhere."""
    escaped = re.escape(name)
    return bool(
        re.search(rf"(^|[\s,(])\**{escaped}\s*(=[^=]|:|,|\)|\bin\b)", text, re.MULTILINE)
        or re.search(rf"\bas\s+{escaped}\b", text)
    )


def _python_module_alias(text: str, name: str) -> str | None:
    match = re.search(
        rf"^\s*import\s+([\w.]+)\s+as\s+{re.escape(name)}\s*$|^\s*import\s+({re.escape(name)})\s*$",
        text,
        re.MULTILINE,
    )
    if match is None:
        return None
    return match.group(1) or match.group(2)


def _stdlib_params(module: str, name: str) -> Params | None:
    try:
        imported = importlib.import_module(module)
    except Exception:
        return None
    value = getattr(imported, name, None)
    if isinstance(value, types.FunctionType | types.BuiltinFunctionType):
        return params_from_callable(value)
    return None


def _indexed_params(splice: Splice, view: SymbolView, name: str) -> Params | None:
    """The parameters of repository functions named `name`, when they all agree."""
    module = _imported_from(splice.original.text, name)
    symbols = [
        s
        for s in view.definitions(name)
        if s.kind == "function" and s.container is None and s.language == splice.lang.name
    ]
    if module is not None:
        last = module.lstrip(".").rsplit(".", 1)[-1]
        symbols = [s for s in symbols if last and f"/{last}." in f"/{s.rel_path}"]
    if not symbols:
        return None
    return _same([params_from_signature(s.signature, splice.lang) for s in symbols])


def _imported_from(text: str, name: str) -> str | None:
    """The module a `from module import name` statement takes `name` from, if any."""
    for match in re.finditer(r"^\s*from\s+([\w.]+)\s+import\s+([^\n]+)", text, re.MULTILINE):
        names = re.findall(r"\w+", match.group(2))
        if name in names:
            return match.group(1)
    return None


def _javascript_problems(splice: Splice, view: SymbolView) -> Iterator[Problem]:
    is_typed = splice.lang.name != "javascript"
    for call in _calls(splice, "call_expression"):
        callee = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if callee is None or arguments is None or callee.type != "identifier":
            continue
        if arguments.type != "arguments":
            continue
        if any(a.type == "spread_element" for a in arguments.named_children):
            continue
        name = splice.node_text(callee)
        params = _javascript_callee_params(splice, view, name, is_typed)
        if params is None:
            continue
        n_given = sum(1 for a in arguments.named_children if a.type != "comment")
        given = f"{n_given} {_were(n_given)} given"
        if n_given > len(params.positional) and not params.has_var_positional:
            message = f"`{name}` takes {params.describe('argument')} but {given}"
            yield _problem(splice, call, message)
        elif is_typed and n_given < params.n_required_positional:
            message = f"`{name}` expects {params.describe('argument')} but {given}"
            yield _problem(splice, call, message)


def _javascript_callee_params(
    splice: Splice, view: SymbolView, name: str, is_typed: bool
) -> Params | None:
    found: list[Params | None] = []
    escaped = re.escape(name)
    pattern = rf"\bfunction\s*\*?\s*{escaped}\s*[(<]|\b(?:const|let|var)\s+{escaped}\s*="
    for match in re.finditer(pattern, splice.text):
        offset_bytes = len(splice.text[: match.start()].encode("utf-8"))
        node = splice.tree.root_node.descendant_for_byte_range(offset_bytes, offset_bytes)
        while node is not None and node.type not in (
            "function_declaration",
            "generator_function_declaration",
            "lexical_declaration",
            "variable_declaration",
        ):
            node = node.parent
        function = _javascript_function(node)
        if function is None:
            found.append(None)
            continue
        body = function.child_by_field_name("body")
        if body is not None and "arguments" in splice.node_text(body):
            found.append(None)
            continue
        parameters = function.child_by_field_name("parameters")
        found.append(
            javascript_params(parameters, splice.source, is_typed=is_typed) if parameters else None
        )
    if found:
        return _same(found)
    # A name bound some other way in this file: trust the index only for an import.
    if re.search(rf"\b{escaped}\b", splice.original.text) and not re.search(
        rf"import[^;]*\b{escaped}\b[^;]*from", splice.original.text
    ):
        return None
    symbols = [
        s
        for s in view.definitions(name)
        if s.kind == "function" and s.container is None and s.language == splice.lang.name
    ]
    if not symbols:
        return None
    return _same([params_from_signature(s.signature, splice.lang) for s in symbols])


def _javascript_function(node: ts.Node | None) -> ts.Node | None:
    """The function node of a declaration (`function f` or `const f = () => ...`)."""
    if node is None:
        return None
    if node.type in ("function_declaration", "generator_function_declaration"):
        return node
    declarators = [c for c in node.named_children if c.type == "variable_declarator"]
    if len(declarators) != 1:
        return None
    value = declarators[0].child_by_field_name("value")
    return value if value is not None and value.type in _JS_FUNCTION_TYPES else None
