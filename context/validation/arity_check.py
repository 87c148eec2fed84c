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

import bisect
import builtins
import re
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import tree_sitter as ts

from context.splice import Splice
from context.validation.names import is_python_stdlib
from context.validation.problem import Problem
from context.validation.signatures import (
    Params,
    block_end,
    header_at,
    is_decorated,
    javascript_params,
    params_from_ast,
    params_from_callable,
    params_from_signature,
    python_params,
)
from context.validation.stdlib_source import loaded_stdlib_module, stdlib_function
from context.validation.symbol_check import is_python_binding, suggestion_offsets
from context.validation.text_index import PythonHeader, TextIndex, is_word
from context.validation.view import SymbolView

_JS_FUNCTION_TYPES = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "function"}
)


def check_arity(splice: Splice, view: SymbolView) -> list[Problem]:
    """Problems for calls in the suggestion with an unacceptable number of arguments."""
    texts = _Texts(splice)
    if splice.lang.name == "python":
        return list(_python_problems(splice, view, texts))
    if splice.lang.name in ("javascript", "typescript", "tsx"):
        return list(_javascript_problems(splice, view, texts))
    return []


@dataclass
class _Texts:
    """What one check reads of the file, read once: the texts' indexes, and each callee's
    parameters, which depend on its name alone (or on its class and name), so that a
    suggestion with thousands of calls costs one pass over the text, not one per call."""

    splice: Splice
    callees: dict[tuple[str, ...], Params | None] = field(default_factory=dict)
    methods: dict[tuple[int, int], dict[str, list[Params | None]]] = field(default_factory=dict)

    @cached_property
    def text(self) -> TextIndex:
        """The document with the suggestion."""
        return TextIndex(self.splice.text)

    @cached_property
    def original(self) -> TextIndex:
        """The document without it."""
        return TextIndex(self.splice.original.text)


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
    return Problem("arity", message, *suggestion_offsets(splice, call))


def _python_problems(splice: Splice, view: SymbolView, texts: _Texts) -> Iterator[Problem]:
    for call in _calls(splice, "call"):
        callee = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if callee is None or arguments is None:
            continue
        params = _python_callee_params(splice, view, callee, call, texts)
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
    splice: Splice, view: SymbolView, callee: ts.Node, call: ts.Node, texts: _Texts
) -> Params | None:
    if callee.type == "identifier":
        name = splice.node_text(callee)
        key: tuple[str, ...] = ("name", name)
        if key not in texts.callees:
            texts.callees[key] = _python_function_params(splice, view, name, texts)
        return texts.callees[key]
    if callee.type == "attribute":
        owner = callee.child_by_field_name("object")
        attribute = callee.child_by_field_name("attribute")
        if owner is None or attribute is None or owner.type != "identifier":
            return None
        owner_name, name = splice.node_text(owner), splice.node_text(attribute)
        if owner_name == "self":
            return _self_method_params(splice, call, name, texts)
        key = ("module", owner_name, name)
        if key not in texts.callees:
            module = _python_module_alias(splice.text, owner_name, texts.text)
            is_stdlib = module is not None and is_python_stdlib(module)
            texts.callees[key] = _stdlib_params(module, name) if module and is_stdlib else None
        return texts.callees[key]
    return None


def _python_function_params(
    splice: Splice, view: SymbolView, name: str, texts: _Texts
) -> Params | None:
    """The parameters of the function (or class) a plain name calls, when they are sure."""
    found = _python_definitions_in_file(splice, name, texts.text)
    if found:
        return _same(found)
    if _is_bound_otherwise(splice, name, texts.text):
        return None
    if name in builtins.__dict__:
        value = builtins.__dict__[name]
        if isinstance(value, types.BuiltinFunctionType):
            return params_from_callable(value)
        return None
    return _indexed_params(splice, view, name, texts.original)


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _same(found: list[Params | None]) -> Params | None:
    """The one `Params` all definitions agree on, or None."""
    first = found[0]
    return first if first is not None and all(p == first for p in found) else None


def _python_definitions_in_file(splice: Splice, name: str, index: TextIndex) -> list[Params | None]:
    """The parameters of every function or class named `name` in the file (methods aside),
    read from the text of their headers."""
    found: list[Params | None] = []
    text = splice.text
    for header in _python_headers(text, name, index):
        start, indent = header.start, len(header.indent)
        if indent and _is_in_class_at(index, text, start, indent):
            continue
        if is_decorated(text, start):
            found.append(None)
        elif header.keyword == "class":
            found.append(_init_params(splice, start, indent))
        else:
            found.append(params_from_signature(header_at(text, header.keyword_at), splice.lang))
    return found


def _python_headers(text: str, name: str, index: TextIndex) -> list[PythonHeader]:
    """Each `def name` or `class name` line."""
    if is_word(name):
        return index.python_headers.get(name, [])
    pattern = rf"^([ \t]*)(?:async\s+)?(def|class)\s+{re.escape(name)}\b"
    return [
        PythonHeader(m.start(), m.group(1), m.group(2), m.start(2))
        for m in re.finditer(pattern, text, re.MULTILINE)
    ]


def _is_in_class_at(index: TextIndex, text: str, start: int, indent: int) -> bool:
    """`_is_in_class`, read from the index when `start` is a non-blank line's start."""
    known = index.is_in_class.get(start)
    return known if known is not None else _is_in_class(text, start, indent)


def _is_in_class(text: str, start: int, indent: int) -> bool:
    """Whether the nearest less-indented line above `start` is a `class` header."""
    at = start
    while at > 0:
        at = text.rfind("\n", 0, at - 1) + 1
        line_end = text.find("\n", at)
        line = text[at : line_end if line_end != -1 else len(text)]
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            return line.lstrip().startswith("class ")
        if at == 0:
            break
    return False


def _init_params(splice: Splice, start: int, indent: int) -> Params | None:
    """The constructor parameters of an undecorated class without bases, or None."""
    text = splice.text
    header = header_at(text, start)
    bases = header[header.find("(") + 1 : header.rfind(")")] if "(" in header else ""
    if bases.strip():
        return None
    body = text[start : block_end(text, start)]
    member = re.compile(r"^([ \t]+)(?:async\s+)?def\s+(__init__|__new__)\b", re.MULTILINE)
    body_indent = None
    for line in body.split("\n")[1:]:
        if line.strip():
            body_indent = len(line) - len(line.lstrip())
            break
    for match in member.finditer(body):
        if len(match.group(1)) != body_indent:
            continue
        if match.group(2) == "__new__" or is_decorated(body, match.start()):
            return None
        def_at = match.start() + body[match.start() :].find("def")
        params = params_from_signature(header_at(body, def_at), splice.lang)
        return params.without_first() if params is not None else None
    return Params((), frozenset(), frozenset())


def _self_method_params(splice: Splice, call: ts.Node, name: str, texts: _Texts) -> Params | None:
    cls = call.parent
    while cls is not None and cls.type != "class_definition":
        cls = cls.parent
    body = cls.child_by_field_name("body") if cls is not None else None
    if cls is None or body is None:
        return None
    key = (cls.start_byte, cls.end_byte)
    if key not in texts.methods:
        texts.methods[key] = _methods(splice, body)
    found = texts.methods[key].get(name)
    return _same(found) if found else None


def _methods(splice: Splice, body: ts.Node) -> dict[str, list[Params | None]]:
    """The parameters of each method a class body defines, by name (None where unsure)."""
    methods: dict[str, list[Params | None]] = {}
    for statement in body.named_children:
        function = statement
        decorators = ""
        if statement.type == "decorated_definition":
            function = statement.child_by_field_name("definition") or statement
            decorators = splice.node_text(statement)[: function.start_byte - statement.start_byte]
        if function.type != "function_definition":
            continue
        function_name = function.child_by_field_name("name")
        if function_name is None:
            continue
        found = methods.setdefault(splice.node_text(function_name), [])
        parameters = function.child_by_field_name("parameters")
        params = python_params(parameters, splice.source) if parameters else None
        decorator_names = set(re.findall(r"@\s*([\w.]+)", decorators))
        if params is None or decorator_names - {"staticmethod", "classmethod"}:
            found.append(None)
        elif "staticmethod" in decorator_names:
            found.append(params)
        else:
            found.append(params.without_first())
    return methods


def _is_bound_otherwise(splice: Splice, name: str, index: TextIndex) -> bool:
    """Whether `name` is bound in the file other than by a `def` or a plain import of it.

    An assignment, a parameter, a loop variable or an import alias makes the name stand
    for something else than the function of that name. Inside the window the tree says so;
    elsewhere the line's text.
    """
    escaped = re.escape(name)
    # A line that mentions the name many times is read once, not once per mention.
    lines_read: set[int] = set()
    if is_word(name):
        starts = index.words.get(name, [])
    else:
        starts = [m.start() for m in re.finditer(rf"\b{escaped}\b", splice.text)]
    for start in starts:
        node = splice.node_at(start, len(name))
        if node is None:
            line_start = _line_start(index, start)
            if line_start in lines_read:
                continue
            lines_read.add(line_start)
            line_end = splice.text.find("\n", start)
            line = splice.text[line_start : line_end if line_end != -1 else len(splice.text)]
            if _binds_in_text(line, escaped):
                return True
            continue
        if node.type != "identifier" or not is_python_binding(node):
            continue
        parent = node.parent
        if parent is not None and parent.type in ("function_definition", "class_definition"):
            continue
        if parent is not None and parent.type in ("import_from_statement", "dotted_name"):
            continue
        return True
    return False


def _line_start(index: TextIndex, offset: int) -> int:
    """The start of the line holding `offset`."""
    return index.line_starts[bisect.bisect_right(index.line_starts, offset) - 1]


def _binds_in_text(line: str, escaped: str) -> bool:
    """A line's text binding a name: assigned, a loop variable, an alias, a parameter."""
    word = re.compile(rf"\b{escaped}\b")
    return bool(
        re.match(rf"\s*{escaped}\s*(:[^=]*)?=[^=]", line)
        or _occur_in_order(line, ":", (_FOR, word, _IN))
        or re.search(rf"\bas\s+{escaped}\b", line)
        or _occur_in_order(line, ")", (_FUNCTION_HEADER, word))
    )


_FOR = re.compile(r"\bfor\b")
_IN = re.compile(r"\bin\b")
_FUNCTION_HEADER = re.compile(r"\b(?:def\s+\w+|lambda)")
_IMPORT = re.compile("import")
_FROM = re.compile("from")


def _occur_in_order(text: str, barrier: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    """Whether `patterns` match one after another in `text` with no `barrier` between.

    It stands for one regex `a[^:]*b[^:]*c`, which backtracks cubically on a long line
    of `for f for f ...`: here each piece between barriers is searched once, left to
    right, since the earliest match of each pattern leaves the most room for the next.
    """
    for piece in text.split(barrier):
        at = 0
        for pattern in patterns:
            found = pattern.search(piece, at)
            if found is None:
                break
            at = found.end()
        else:
            return True
    return False


def _python_module_alias(text: str, name: str, index: TextIndex) -> str | None:
    if is_word(name):
        return index.module_aliases.get(name)
    match = re.search(
        rf"^[ \t]*import\s+([\w.]+)\s+as\s+{re.escape(name)}\s*$"
        rf"|^[ \t]*import\s+({re.escape(name)})\s*$",
        text,
        re.MULTILINE,
    )
    if match is None:
        return None
    return match.group(1) or match.group(2)


def _stdlib_params(module: str, name: str) -> Params | None:
    """A standard-library function's parameters, from the loaded module or its source."""
    loaded = loaded_stdlib_module(module)
    if loaded is not None:
        value = getattr(loaded, name, None)
        if isinstance(value, types.FunctionType | types.BuiltinFunctionType):
            return params_from_callable(value)
        return None
    function = stdlib_function(module, name)
    return params_from_ast(function.args) if function is not None else None


def _indexed_params(
    splice: Splice, view: SymbolView, name: str, original: TextIndex
) -> Params | None:
    """The parameters of repository functions named `name`, when they all agree."""
    if is_word(name):
        module = original.imported_from.get(name)
    else:
        module = _imported_from(splice.original.text, name)
    symbols = [
        s
        for s in view.definitions(name)
        if s.kind == "function" and s.container is None and s.language == splice.lang.name
    ]
    if module is not None:
        last = module.lstrip(".").rsplit(".", 1)[-1]
        symbols = [s for s in symbols if last and _is_in_module(s.rel_path, last)]
    if not symbols:
        return None
    return _same([params_from_signature(s.signature, splice.lang) for s in symbols])


def _is_in_module(rel_path: str, module: str) -> bool:
    """Whether a file is the module `module` (`pkg/module.py`) or inside the package."""
    path = "/" + rel_path
    return f"/{module}." in path or f"/{module}/" in path


def _imported_from(text: str, name: str) -> str | None:
    """The module a `from module import name` statement takes `name` from, if any."""
    for match in re.finditer(r"^[ \t]*from\s+([\w.]+)\s+import\s+([^\n]+)", text, re.MULTILINE):
        names = re.findall(r"\w+", match.group(2))
        if name in names:
            return match.group(1)
    return None


def _javascript_problems(splice: Splice, view: SymbolView, texts: _Texts) -> Iterator[Problem]:
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
        if ("name", name) not in texts.callees:
            found = _javascript_callee_params(splice, view, name, is_typed, texts)
            texts.callees[("name", name)] = found
        params = texts.callees[("name", name)]
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
    splice: Splice, view: SymbolView, name: str, is_typed: bool, texts: _Texts
) -> Params | None:
    found: list[Params | None] = []
    escaped = re.escape(name)
    for start, is_variable in _javascript_declarations(splice.text, name, texts.text):
        node = splice.node_at(start)
        if node is None:
            header = header_at(splice.text, start)
            if is_variable:
                header += " => {}"
            found.append(params_from_signature(header, splice.lang))
            continue
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
    if is_word(name):
        is_mentioned = name in texts.original.words
        is_imported = name in texts.original.javascript_imported_words
    else:
        word = re.compile(rf"\b{escaped}\b")
        is_mentioned = word.search(splice.original.text) is not None
        is_imported = _occur_in_order(splice.original.text, ";", (_IMPORT, word, _FROM))
    if is_mentioned and not is_imported:
        return None
    symbols = [
        s
        for s in view.definitions(name)
        if s.kind == "function" and s.container is None and s.language == splice.lang.name
    ]
    if not symbols:
        return None
    return _same([params_from_signature(s.signature, splice.lang) for s in symbols])


def _javascript_declarations(text: str, name: str, index: TextIndex) -> list[tuple[int, bool]]:
    """Where `function name(` and `const|let|var name =` start, and whether each is a
    variable's."""
    if is_word(name):
        return index.javascript_declarations.get(name, [])
    escaped = re.escape(name)
    pattern = rf"\bfunction\s*\*?\s*{escaped}\s*[(<]|\b(?:const|let|var)\s+{escaped}\s*="
    return [(m.start(), not m.group(0).startswith("function")) for m in re.finditer(pattern, text)]


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
