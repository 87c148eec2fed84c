"""The `unknown-symbol` check: every name the suggestion uses exists somewhere.

Python and JavaScript/TypeScript (including TSX). A name the suggestion reads is known
when it is:

- bound in the suggestion itself (assigned, a parameter, imported, a loop variable, ...);
- written anywhere in the document outside the suggestion, comments and strings included:
  this deliberately errs towards accepting, since a name the user's file mentions is one
  the model could rightly use, and scopes would cost time on the hot path;
- a builtin or global of the language (`context.validation.names`);
- defined anywhere in the repository (`SymbolView.definitions`).

Python members are checked two ways:

- where the owner's members are known: `module.name` for a standard-library module bound
  by `import module` (its real members), and `self.name`, `cls.name` or `Class.name` for a
  class of the file or the index whose bases are all known and that defines no
  `__getattr__` (the class's text, or the index's members, give its names);
- elsewhere (an object of unknown type), the member must exist *somewhere*: in the file's
  text, among the repository's definitions, the builtin types' attributes, the attributes
  of the classes of imported (and commonly used) standard-library modules, or the names of
  the imported installed packages' sources. An imported package that cannot be read (not
  installed here, or too large) makes any member possible.

A Python file with a star import (`from x import *`) skips the check of plain names,
since any name may come from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import tree_sitter as ts

from context.splice import Splice
from context.validation.names import (
    BUILTIN_TYPE_ATTRIBUTES,
    JAVASCRIPT_GLOBALS,
    PYTHON_BUILTINS,
    installed_python_modules,
    is_python_stdlib,
    package_identifiers,
    python_module_members,
    site_packages_dirs,
    stdlib_class_attributes,
)
from context.validation.problem import Problem
from context.validation.signatures import block_end, header_at, is_decorated
from context.validation.view import SymbolView

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_PY_PASS_THROUGH = frozenset(
    {
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "as_pattern_target",
        "list_splat_pattern",
        "dictionary_splat_pattern",
        "parenthesized_expression",
        "tuple",
        "list",
        "pattern",
        "keyword_pattern",
        "splat_pattern",
        "typed_parameter",
        "default_parameter",
        "typed_default_parameter",
    }
)
_PY_BINDING_PARENTS = frozenset(
    {
        "parameters",
        "lambda_parameters",
        "global_statement",
        "nonlocal_statement",
        "import_statement",
        "import_from_statement",
        "aliased_import",
        "dotted_name",
        "future_import_statement",
        "case_pattern",
        "class_pattern",
        "dict_pattern",
        "type_parameter",
    }
)
_JS_BINDING_PARENTS = frozenset(
    {
        "formal_parameters",
        "required_parameter",
        "optional_parameter",
        "rest_pattern",
        "import_specifier",
        "import_clause",
        "namespace_import",
        "export_specifier",
        "object_pattern",
        "array_pattern",
        "pair_pattern",
        "shorthand_property_identifier_pattern",
        "labeled_statement",
        "break_statement",
        "continue_statement",
        "type_parameter",
    }
)
_JS_NAMED_BINDERS = {
    "variable_declarator": "name",
    "function_declaration": "name",
    "generator_function_declaration": "name",
    "function_expression": "name",
    "function": "name",
    "class_declaration": "name",
    "class": "name",
    "arrow_function": "parameter",
    "catch_clause": "parameter",
    "assignment_pattern": "left",
    "for_in_statement": "left",
    "method_definition": "name",
    "enum_declaration": "name",
    "interface_declaration": "name",
    "type_alias_declaration": "name",
}


def check_symbols(splice: Splice, view: SymbolView) -> list[Problem]:
    """Problems for names and members the suggestion uses that exist nowhere."""
    if splice.lang.name == "python":
        return _check(splice, view, _python_references(splice), PYTHON_BUILTINS)
    if splice.lang.name in ("javascript", "typescript", "tsx"):
        return _check(splice, view, _javascript_references(splice), JAVASCRIPT_GLOBALS)
    return []


def _check(
    splice: Splice,
    view: SymbolView,
    references: tuple[list[ts.Node], set[str], list[tuple[ts.Node, ts.Node]]],
    builtins: frozenset[str],
) -> list[Problem]:
    names, bound, members = references
    problems: list[Problem] = []
    skip_names = splice.lang.name == "python" and _has_star_import(splice)
    reported: set[str] = set()
    for node in names:
        name = splice.node_text(node)
        if (
            skip_names
            or name in bound
            or name in builtins
            or splice.original.mentions(name)
            or name in reported
            or view.definitions(name)
        ):
            continue
        reported.add(name)
        problems.append(
            _problem(
                splice,
                node,
                f"unknown name `{name}`: it is not defined in the file, "
                "its imports, the repository or the builtins",
            )
        )
    if splice.lang.name == "python":
        for owner, member in members:
            problem = _check_python_member(splice, view, owner, member)
            if problem is not None:
                problems.append(problem)
    return problems


def _problem(splice: Splice, node: ts.Node, message: str) -> Problem:
    start, end = suggestion_offsets(splice, node)
    return Problem("unknown-symbol", message, start, end)


def suggestion_offsets(splice: Splice, node: ts.Node) -> tuple[int, int]:
    """A node's start and end as characters into the suggestion.

    `Splice.suggestion_offset` decodes the suggestion up to the offset, which costs the
    suggestion's length per problem; an ASCII suggestion (bytes are characters) needs
    only a subtraction, so a huge text with many problems stays linear.
    """
    if splice.suggestion.isascii():
        low, high = splice.start_byte, splice.end_byte
        return (
            max(low, min(node.start_byte, high)) - low,
            max(low, min(node.end_byte, high)) - low,
        )
    return splice.suggestion_offset(node.start_byte), splice.suggestion_offset(node.end_byte)


def _identifiers_in_suggestion(splice: Splice, node_type: str) -> Iterator[ts.Node]:
    """Nodes of `node_type` that start inside the suggestion, in source order.

    Broken code (inside ERROR nodes) is left to the syntax check: its names cannot be told
    apart as bound or read.
    """
    root = splice.tree.root_node
    stack = [root]
    while stack:
        node = stack.pop()
        if node.end_byte <= splice.start_byte or node.start_byte >= splice.end_byte:
            continue
        if node.is_error:
            continue
        if node.type == node_type and splice.is_in_suggestion(node):
            yield node
        stack.extend(reversed(node.children))


def _python_references(
    splice: Splice,
) -> tuple[list[ts.Node], set[str], list[tuple[ts.Node, ts.Node]]]:
    names: list[ts.Node] = []
    bound: set[str] = set()
    members: list[tuple[ts.Node, ts.Node]] = []
    for node in _identifiers_in_suggestion(splice, "identifier"):
        parent = node.parent
        if parent is None:
            continue
        if parent.type == "attribute" and parent.child_by_field_name("attribute") == node:
            owner = parent.child_by_field_name("object")
            if owner is not None:
                members.append((owner, node))
            if _is_assignment_target(parent):
                bound.add("." + splice.node_text(node))
            continue
        if parent.type == "keyword_argument" and parent.child_by_field_name("name") == node:
            continue
        if is_python_binding(node):
            bound.add(splice.node_text(node))
            continue
        names.append(node)
    return names, bound, members


def _is_dotted_name(node: ts.Node) -> bool:
    """An identifier or a chain of attributes on one (`os.path`)."""
    while node.type == "attribute":
        attribute = node.child_by_field_name("attribute")
        owner = node.child_by_field_name("object")
        if attribute is None or owner is None or attribute.type != "identifier":
            return False
        node = owner
    return node.type == "identifier"


def _is_assignment_target(node: ts.Node) -> bool:
    parent = node.parent
    while parent is not None and parent.type in _PY_PASS_THROUGH:
        node, parent = parent, parent.parent
    return (
        parent is not None
        and parent.type in ("assignment", "augmented_assignment", "for_statement")
        and parent.child_by_field_name("left") == node
    )


def is_python_binding(node: ts.Node) -> bool:
    """Whether an identifier is bound (not read) where it stands."""
    child, parent = node, node.parent
    while parent is not None:
        kind = parent.type
        if kind in _PY_BINDING_PARENTS:
            return True
        if kind in ("function_definition", "class_definition"):
            return parent.child_by_field_name("name") == child
        if kind in ("assignment", "augmented_assignment", "for_statement", "for_in_clause"):
            return parent.child_by_field_name("left") == child
        if kind == "named_expression":
            return parent.child_by_field_name("name") == child
        if kind == "as_pattern":
            return parent.child_by_field_name("alias") == child
        if kind in _PY_PASS_THROUGH:
            child, parent = parent, parent.parent
            continue
        return False
    return False


def _has_star_import(splice: Splice) -> bool:
    return "import *" in splice.original.text


def _check_python_member(
    splice: Splice, view: SymbolView, owner: ts.Node, member: ts.Node
) -> Problem | None:
    """A problem for `owner.member` when the owner's members are known and lack it, or when
    no object the code can reach has a member of that name at all."""
    owner_name = splice.node_text(owner)
    name = splice.node_text(member)
    if ("." + name) in _bound_members(splice.suggestion):
        return None
    members: frozenset[str] | None = None
    what = ""
    if owner_name in ("self", "cls"):
        members = _enclosing_class_members(splice, owner, view)
        what = "the class has no"
    elif _is_dotted_name(owner):
        head, _, rest = owner_name.partition(".")
        module = _imported_module(splice.text, head)
        if module is not None and rest:
            module = f"{module}.{rest}"
        if module is not None and not is_python_stdlib(module):
            # An installed package's module: its source's names, or nothing to check.
            if _is_workspace_package(view, module.split(".", 1)[0]):
                return None
            names = package_identifiers(module.split(".", 1)[0], site_packages_dirs(view.root))
            if names is None or name in names:
                return None
            members, what = names, f"package `{module.split('.', 1)[0]}` has no"
        elif module is not None:
            members = python_module_members(module)
            what = f"module `{module}` has no"
        elif not rest:
            members = _class_members_by_name(splice, owner_name, view)
            if members is None and owner_name[:1].isupper():
                members = indexed_class_members(view, owner_name)
            what = f"class `{owner_name}` has no"
    if members is None:
        if _is_member_name_known(splice, view, name):
            return None
        what = "nothing in the file, the repository, the builtins or the imported modules has a"
    elif name in members:
        return None
    start, end = suggestion_offsets(splice, member)
    shown = owner_name if len(owner_name) <= 30 else "..."
    return Problem(
        "unknown-symbol", f"unknown member `{shown}.{name}`: {what} member `{name}`", start, end
    )


def _is_member_name_known(splice: Splice, view: SymbolView, name: str) -> bool:
    """Whether any object the file can reach may have a member `name`: the name appears in
    the file, the repository defines it, a builtin type or a class of an imported
    standard-library module has it, or an imported installed package mentions it."""
    if name in BUILTIN_TYPE_ATTRIBUTES or splice.original.mentions(name):
        return True
    if view.definitions(name):
        return True
    for dotted in _imported_modules(splice.original.text):
        module = dotted.split(".", 1)[0]
        if is_python_stdlib(module):
            if name in stdlib_class_attributes(dotted):
                return True
            continue
        if _is_workspace_package(view, module):
            continue
        directories = site_packages_dirs(view.root)
        if module not in installed_python_modules(directories) and _is_environment_known(view):
            # Not installed in the project's own environment: an optional import guarded
            # by `except ImportError`, whose objects never exist here.
            continue
        known = package_identifiers(module, directories)
        if known is None or name in known:
            return True
    return False


def _is_environment_known(view: SymbolView) -> bool:
    """Whether the installed packages fillin sees are the project's: the workspace has its
    own virtualenv, or lies inside a site-packages directory."""
    root = view.root
    if root is None:
        return False
    if any((root / venv).is_dir() for venv in (".venv", "venv")):
        return True
    return any(root.is_relative_to(directory) for directory in site_packages_dirs(None))


def _is_workspace_package(view: SymbolView, module: str) -> bool:
    """Whether a top-level module lives in the workspace (the index covers its names)."""
    root = view.root
    if root is None:
        return False
    return any(
        (base / module).is_dir() or (base / f"{module}.py").is_file()
        for base in (root, root / "src", root / "lib")
    )


@lru_cache(maxsize=8)
def _imported_modules(text: str) -> tuple[str, ...]:
    """The modules a Python text imports, dotted as written (absolute imports only)."""
    found = re.findall(
        r"^[ \t]*(?:from\s+([A-Za-z_][\w.]*)\s+import|import\s+([\w., ]+))", text, re.M
    )
    modules: dict[str, None] = {}
    for from_module, plain in found:
        for module in [from_module] if from_module else plain.split(","):
            dotted = module.strip().split(" ", 1)[0]
            if dotted.split(".", 1)[0].isidentifier():
                modules[dotted] = None
    return tuple(modules)


@lru_cache(maxsize=8)
def _bound_members(suggestion: str) -> frozenset[str]:
    """`.name` for every `x.name = ...` the suggestion writes (read once per suggestion,
    not once per member)."""
    pattern = r"\.(\w+)\s*(?::[^=\n]*)?(?:=[^=]|\+=|-=)"
    return frozenset("." + m for m in re.findall(pattern, suggestion))


def _imported_module(text: str, name: str) -> str | None:
    """The module `name` is bound to by `import module` / `import a.b as name`, if any."""
    aliased, plain = _import_bindings(text)
    found = aliased.get(name)
    if found is not None:
        return found
    return name if name in plain else None


_ALIASED_IMPORT = re.compile(r"^[ \t]*import\s+([\w.]+)\s+as\s+(\w+)\s*$", re.MULTILINE)
_IMPORT_START = re.compile(r"^[ \t]*import\s+", re.MULTILINE)
_DOTTED = re.compile(r"[\w.]+")
_WORD = re.compile(r"\w*")
_ITEM_END = re.compile(r"(?:\.[\w.]+)?(\s*)")
_NEXT_ITEM = re.compile(r"\s*,\s*")


@lru_cache(maxsize=8)
def _import_bindings(text: str) -> tuple[dict[str, str], frozenset[str]]:
    """The names `import a.b as name` binds (to their first module), and the names a plain
    `import name, other.sub` binds, read in one pass over the text.

    One pass rather than a search of the whole text per name: a huge suggestion with
    thousands of distinct owners made that quadratic. The answers are those of the two
    per-name regular expressions this replaced (a test compares them on random texts).
    """
    aliased: dict[str, str] = {}
    for match in _ALIASED_IMPORT.finditer(text):
        aliased.setdefault(match.group(2), match.group(1))
    plain: set[str] = set()
    n = len(text)
    for start in _IMPORT_START.finditer(text):
        at = start.end()
        while True:
            word = _WORD.match(text, at)
            assert word is not None
            rest = _ITEM_END.match(text, word.end())
            assert rest is not None
            after = rest.end()
            if word.group() and (after == n or text[after] == "," or "\n" in rest.group(1)):
                plain.add(word.group())
            item = _DOTTED.match(text, at)
            comma = _NEXT_ITEM.match(text, item.end()) if item is not None else None
            if comma is None:
                break
            at = comma.end()
    return aliased, frozenset(plain)


def _enclosing_class_members(
    splice: Splice, node: ts.Node, view: SymbolView
) -> frozenset[str] | None:
    parent = node.parent
    while parent is not None and parent.type != "class_definition":
        parent = parent.parent
    if parent is None:
        return None
    return _class_members(splice, parent, view, depth=0)


def _class_members_by_name(
    splice: Splice, name: str, view: SymbolView, depth: int = 0
) -> frozenset[str] | None:
    """Members of a class defined once at the top level of the file, else None."""
    matches = _top_level_classes(splice.original.text).get(name, ())
    if len(matches) != 1:
        return None
    return _class_members_at(splice, matches[0], view, depth)


_TOP_LEVEL_CLASS = re.compile(r"^class\s+(\w+)\b", re.MULTILINE)


@lru_cache(maxsize=8)
def _top_level_classes(text: str) -> dict[str, tuple[int, ...]]:
    """Where each class defined at column 0 starts, by name, from one pass over the text
    (rather than one search of the whole text per name asked about)."""
    found: dict[str, list[int]] = {}
    for match in _TOP_LEVEL_CLASS.finditer(text):
        found.setdefault(match.group(1), []).append(match.start())
    return {name: tuple(starts) for name, starts in found.items()}


def _class_members(
    splice: Splice, cls: ts.Node, view: SymbolView, depth: int
) -> frozenset[str] | None:
    """The names the class of a node of the window defines, its bases' included, or None."""
    if cls.parent is not None and cls.parent.type == "decorated_definition":
        return None
    start = splice.text_offset(cls.start_byte)
    if start >= splice.start_offset:
        return None
    return _class_members_at(splice, start, view, depth)


def _class_members_at(
    splice: Splice, start: int, view: SymbolView, depth: int
) -> frozenset[str] | None:
    """The names a class whose header starts at `start` (in the document without the
    suggestion) defines, its bases' included; None when some cannot be known (a decorator,
    `__getattr__`, a base class that is neither in the file nor in the index)."""
    if depth > 4:
        return None
    found = _class_text_members(splice.original.text, start)
    if found is None:
        return None
    bases, members = found
    for base in bases:
        inherited = _class_members_by_name(splice, base, view, depth + 1)
        if inherited is None:
            inherited = indexed_class_members(view, base, depth + 1)
        if inherited is None:
            return None
        members |= inherited
    return members


@lru_cache(maxsize=64)
def _class_text_members(text: str, start: int) -> tuple[tuple[str, ...], frozenset[str]] | None:
    """The base names and the identifiers of the class at `start`, or None when unknowable."""
    if is_decorated(text, start):
        return None
    body = text[start : block_end(text, start)]
    if "__getattr__" in body or "__getattribute__" in body or "setattr(" in body:
        return None
    match = _CLASS_HEADER.match(header_at(text, start))
    if match is None:
        return None
    bases: list[str] = []
    for base in _split_bases(match.group(1) or ""):
        if "=" in base or _is_memberless_base(base):
            continue
        if not base.isidentifier():
            return None
        bases.append(base)
    members = set(_IDENTIFIER.findall(body)) | set(dir(object))
    members |= {"__init__", "__class__", "__dict__", "__doc__", "__name__", "__module__"}
    return tuple(bases), frozenset(members)


def indexed_class_members(view: SymbolView, name: str, depth: int = 0) -> frozenset[str] | None:
    """The members of a Python class known only from the index, bases included, or None.

    The class must be indexed once, undecorated, with bases that are themselves known.
    """
    classes = [s for s in view.definitions(name) if s.kind == "class" and s.language == "python"]
    if depth > 4 or len(classes) != 1 or "@" in classes[0].signature:
        return None
    match = _CLASS_HEADER.match(classes[0].signature)
    if match is None:
        return None
    members = set(view.members(name)) | set(dir(object)) | {"__init__", "__class__", "__dict__"}
    for base in _split_bases(match.group(1) or ""):
        if "=" in base or _is_memberless_base(base):
            continue
        if not base.isidentifier():
            return None
        inherited = indexed_class_members(view, base, depth + 1)
        if inherited is None:
            return None
        members |= inherited
    if "__getattr__" in members or "__getattribute__" in members:
        return None
    return frozenset(members)


_CLASS_HEADER = re.compile(r"\s*class\s+\w+\s*(?:\[[^\]]*\])?\s*(?:\((.*)\))?\s*:\s*$", re.DOTALL)
_MEMBERLESS_BASES = frozenset(
    {"object", "Generic", "Protocol", "ABC", "abc.ABC", "typing.Generic", "typing.Protocol"}
)


def _is_memberless_base(base: str) -> bool:
    """`object`, `ABC`, `Generic[T]`, `Protocol[T]`: bases that add no members worth checking."""
    return base.split("[", 1)[0].strip() in _MEMBERLESS_BASES


def _split_bases(text: str) -> list[str]:
    """Base-class expressions separated by top-level commas."""
    parts: list[str] = []
    depth = 0
    current = ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def _javascript_references(
    splice: Splice,
) -> tuple[list[ts.Node], set[str], list[tuple[ts.Node, ts.Node]]]:
    names: list[ts.Node] = []
    bound: set[str] = set()
    for node in _identifiers_in_suggestion(splice, "identifier"):
        if _is_javascript_binding(node):
            bound.add(splice.node_text(node))
        else:
            names.append(node)
    return names, bound, []


def _is_javascript_binding(node: ts.Node) -> bool:
    child, parent = node, node.parent
    while parent is not None:
        kind = parent.type
        if kind in _JS_BINDING_PARENTS:
            return True
        field = _JS_NAMED_BINDERS.get(kind)
        if field is not None:
            return parent.child_by_field_name(field) == child
        if kind in ("array_pattern", "object_pattern", "assignment_pattern"):
            child, parent = parent, parent.parent
            continue
        return False
    return False
