"""What a standard-library module defines, read without importing anything.

Validation used to import standard-library modules by name to list their members and read
signatures; with the user's repository as the working directory, `import csv` could run
the repository's own `csv.py`. Nothing here imports: a module's members come from

- the module object already in `sys.modules`, when fillin itself loaded it from the
  interpreter's own standard-library directories (or it is compiled into the interpreter,
  `sys.builtin_module_names`): reading an object that exists runs no code;
- otherwise its source file in the standard-library directory (`sysconfig`'s `stdlib`),
  parsed with `ast` (parsing runs nothing): the names bound at module level, following
  `from other import *` into other standard-library modules.

Where the names cannot be known for sure (a C extension that is not loaded, a module-level
`__getattr__`, names made through `globals()`), the answer is None: "cannot tell", which
validation treats as "do not reject".
"""

from __future__ import annotations

import ast
import os
import re
import sys
import sysconfig
from functools import cache
from pathlib import Path
from types import ModuleType

MAX_SOURCE_BYTES = 2_000_000
"""A standard-library source larger than this is not parsed."""

_MAX_STAR_DEPTH = 4
_STDLIB_DIRS = tuple(
    {Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib")}
)
_MODULE_ATTRIBUTES = frozenset(
    {"__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__", "__path__"}
    | {"__all__", "__builtins__", "__dict__", "__cached__"}
)
_DYNAMIC = re.compile(r"\bglobals\(\)|\b_convert_\(|^def __getattr__", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z_]\w*")


def is_stdlib_name(module: str) -> bool:
    """Whether the top package of `module` is in Python's standard library."""
    return module.split(".", 1)[0] in sys.stdlib_module_names


def loaded_stdlib_module(module: str) -> ModuleType | None:
    """The module object, when it is loaded already and came from the standard library
    (its file under the interpreter's standard-library directories, or built in)."""
    if not is_stdlib_name(module):
        return None
    loaded = sys.modules.get(module)
    if loaded is None:
        return None
    filename = getattr(loaded, "__file__", None)
    if filename is None:
        return loaded if module in sys.builtin_module_names else None
    real = Path(os.path.realpath(filename))
    return loaded if any(real.is_relative_to(d) for d in _STDLIB_DIRS) else None


def module_source(module: str) -> Path | None:
    """The `.py` file of a standard-library module (or package), or None."""
    if not is_stdlib_name(module):
        return None
    rel = Path(*module.split("."))
    for directory in _STDLIB_DIRS:
        for candidate in (directory / rel.with_suffix(".py"), directory / rel / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


@cache
def module_tree(module: str) -> tuple[ast.Module, str] | None:
    """The parsed source of a standard-library module and its text, or None."""
    path = module_source(module)
    if path is None:
        return None
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            return None
        text = path.read_text(encoding="utf-8")
        return ast.parse(text), text
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None


def stdlib_members(module: str) -> frozenset[str] | None:
    """The names a standard-library module defines, or None when they cannot be known."""
    return _members(module, 0)


@cache
def _members(module: str, depth: int) -> frozenset[str] | None:
    loaded = loaded_stdlib_module(module)
    if loaded is not None:
        if hasattr(loaded, "__getattr__"):
            return None
        names = set(dir(loaded))
        for path in getattr(loaded, "__path__", ()) or ():
            names.update(_submodules(Path(path)))
        return frozenset(names)
    parsed = module_tree(module)
    if parsed is None or depth > _MAX_STAR_DEPTH:
        return None
    tree, text = parsed
    if _DYNAMIC.search(text):
        return None
    names = set(_MODULE_ATTRIBUTES)
    for node in _module_level(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".", 1)[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name)
                    continue
                source = _absolute(module, node.module or "", node.level, tree)
                star = _members(source, depth + 1) if source else None
                if star is None:
                    return None
                names.update(n for n in star if not n.startswith("_"))
    source_path = module_source(module)
    if source_path is not None and source_path.name == "__init__.py":
        names.update(_submodules(source_path.parent))
    return frozenset(names)


def stdlib_identifiers(module: str) -> frozenset[str]:
    """Every identifier a standard-library module's source mentions (a superset of its
    classes' attributes), or the loaded module's names and its classes' attributes."""
    loaded = loaded_stdlib_module(module)
    if loaded is not None:
        names: set[str] = set(dir(loaded))
        for value in list(vars(loaded).values()):
            if isinstance(value, type):
                try:
                    # `dir` hides what some metaclasses compute (an Enum's `name`, `value`).
                    names.update(dir(value))
                    names.update(vars(value))
                except Exception:
                    continue
        return frozenset(names)
    parsed = module_tree(module)
    return frozenset(_WORD.findall(parsed[1])) if parsed is not None else frozenset()


def stdlib_function(module: str, name: str) -> ast.FunctionDef | None:
    """The module-level `def name(...)` of a standard-library module's source, when it is
    defined once, undecorated, and nothing else rebinds the name."""
    parsed = module_tree(module)
    if parsed is None:
        return None
    found: list[ast.AST] = []
    for node in _module_level(parsed[0].body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == name:
                found.append(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.Import | ast.ImportFrom):
            bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            bound |= {
                (a.asname or a.name) for a in getattr(node, "names", ()) if isinstance(a, ast.alias)
            }
            if name in bound or "*" in bound:
                found.append(node)
    if len(found) != 1 or not isinstance(found[0], ast.FunctionDef):
        return None
    return None if found[0].decorator_list else found[0]


def _module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements run at module level: the body, with `if`/`try`/`with` blocks opened."""
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            out.extend(_module_level(node.body + node.orelse))
        elif isinstance(node, ast.Try):
            handlers = [s for h in node.handlers for s in h.body]
            out.extend(_module_level(node.body + handlers + node.orelse + node.finalbody))
        elif isinstance(node, ast.With):
            out.extend(_module_level(node.body))
        else:
            out.append(node)
    return out


def _absolute(module: str, target: str, level: int, tree: ast.Module) -> str | None:
    if level == 0:
        return target
    parts = module.split(".")
    source = module_source(module)
    is_package = source is not None and source.name == "__init__.py"
    base = parts if is_package else parts[:-1]
    if level - 1 > len(base):
        return None
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base) or None


def _submodules(directory: Path) -> set[str]:
    names: set[str] = set()
    try:
        entries = list(directory.iterdir())
    except OSError:
        return names
    for entry in entries:
        if entry.name.endswith(".py"):
            names.add(entry.name[:-3])
        elif entry.is_dir() and entry.name.isidentifier():
            names.add(entry.name)
    return names
