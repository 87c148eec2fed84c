"""The `unknown-dependency` check: every module the suggestion imports exists for the project.

An import, require or use in the suggestion is accepted when its module is in the
workspace (`context.imports.resolve_import`), in the language's standard library, declared
in a manifest from the document's directory up to the root (`context.validation.manifests`), or
installed (Python site-packages of the running interpreter and of a virtualenv in the root;
`node_modules` from the document's directory up to the root). Anything else is reported:
a hallucinated package name is a supply-chain risk, since anyone can register it.

Python, JavaScript/TypeScript, Go, Rust and Java. C and C++ includes are not checked (the
system's headers and include paths are not known here). Relative imports are only judged
inside a workspace.
"""

from __future__ import annotations

from pathlib import Path

import tree_sitter as ts

from context.imports.resolve import resolve_import
from context.imports.statements import DECODERS, Import
from context.languages import imports_query
from context.splice import Splice
from context.validation.manifests import Manifests
from context.validation.names import (
    RUST_STANDARD_ROOTS,
    installed_python_modules,
    is_go_stdlib,
    is_java_stdlib,
    is_node_builtin,
    is_python_stdlib,
    site_packages_dirs,
)
from context.validation.problem import Problem
from context.validation.view import SymbolView

_CHECKED = frozenset({"python", "javascript", "typescript", "tsx", "go", "rust", "java"})


def check_dependencies(splice: Splice, view: SymbolView, path: Path | None) -> list[Problem]:
    """Problems for imports in the suggestion of modules that exist nowhere for the project."""
    if splice.lang.name not in _CHECKED:
        return []
    imports = _imports_in_suggestion(splice)
    if not imports:
        return []
    root = view.root
    directory = path.parent if path is not None else None
    manifests = view.manifests(directory)
    importer = _importer(root, path)
    problems: list[Problem] = []
    for statement in imports:
        names = [n.name for n in statement.names]
        package = statement.module
        is_relative = statement.module.startswith((".", "/"))
        if root is not None and importer is not None:
            resolution = resolve_import(
                root,
                importer,
                statement.module,
                splice.lang.name,
                names=names,
                kind=statement.kind,
                exists=view.is_workspace_file if view.root is not None else None,
            )
            if resolution.paths:
                continue
            if is_relative and not _is_python_relative_on_disk(splice, path, statement.module):
                problems.append(_problem(splice, statement.module, "is not in the workspace"))
                continue
            if is_relative:
                continue
            package = resolution.package or package
        elif is_relative:
            continue
        if _is_available(splice.lang.name, package, statement.module, manifests, root, path):
            continue
        problems.append(
            _problem(
                splice,
                statement.module,
                f"is not in the workspace, the standard library, {_manifest_names(manifests)} "
                "or the installed packages",
            )
        )
    return problems


def _imports_in_suggestion(splice: Splice) -> list[Import]:
    """The import statements that start on the suggestion's lines (queried there only)."""
    first_line = splice.start_row
    last_line = first_line + splice.suggestion.count("\n")
    cursor = ts.QueryCursor(imports_query(splice.lang))
    cursor.set_byte_range(splice.start_byte, max(splice.end_byte, splice.start_byte + 1))
    nodes = sorted(cursor.captures(splice.tree.root_node).get("import", []), key=_start)
    decode = DECODERS[splice.lang.import_style]
    return [
        statement
        for node in nodes
        for statement in decode(node, splice.source)
        if first_line <= statement.line_idx <= last_line
    ]


def _start(node: ts.Node) -> int:
    return node.start_byte


def _importer(root: Path | None, path: Path | None) -> str | None:
    if root is None or path is None:
        return None
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def _is_available(
    language: str,
    package: str,
    module: str,
    manifests: Manifests,
    root: Path | None,
    path: Path | None,
) -> bool:
    if not package:
        return True
    if language == "python":
        top = package.split(".", 1)[0]
        return (
            is_python_stdlib(top)
            or manifests.declares_python(top)
            or top in installed_python_modules(site_packages_dirs(root))
            or _is_sibling_module(path, top)
        )
    if language in ("javascript", "typescript", "tsx"):
        return (
            is_node_builtin(module)
            or manifests.declares_npm(package)
            or _is_in_node_modules(package, root, path)
        )
    if language == "go":
        return is_go_stdlib(module) or manifests.declares_go(module)
    if language == "rust":
        crate = package.split("::", 1)[0]
        return crate in RUST_STANDARD_ROOTS or manifests.declares_rust(crate)
    if language == "java":
        return is_java_stdlib(module) or manifests.declares_java(module)
    return True


def _is_python_relative_on_disk(splice: Splice, path: Path | None, module: str) -> bool:
    """Whether a Python relative import names a module file on disk next to the importer
    (the workspace root may itself be a package, whose relative imports the resolver, which
    stops at the root, cannot follow)."""
    if splice.lang.name != "python" or path is None:
        return False
    n_dots = len(module) - len(module.lstrip("."))
    base = path.parent
    for _ in range(n_dots - 1):
        base = base.parent
    parts = [p for p in module[n_dots:].split(".") if p]
    if not parts:
        return (base / "__init__.py").is_file()
    target = base.joinpath(*parts)
    return target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()


def _is_sibling_module(path: Path | None, name: str) -> bool:
    """Whether `name` is a module or package beside the document (a script's own helpers)."""
    if path is None:
        return False
    directory = path.parent
    return (directory / f"{name}.py").is_file() or (directory / name / "__init__.py").is_file()


def _is_in_node_modules(package: str, root: Path | None, path: Path | None) -> bool:
    directory = path.parent if path is not None else root
    while directory is not None:
        if (directory / "node_modules" / package).is_dir():
            return True
        if (root is not None and directory == root) or directory.parent == directory:
            return False
        directory = directory.parent
    return False


def _manifest_names(manifests: Manifests) -> str:
    if not manifests.files:
        return "any manifest"
    names = sorted({Path(f).name for f in manifests.files})
    return "the manifests (" + ", ".join(names) + ")"


def _problem(splice: Splice, module: str, reason: str) -> Problem:
    at = splice.suggestion.find(module)
    start = max(0, at)
    end = start + len(module) if at != -1 else len(splice.suggestion)
    return Problem("unknown-dependency", f"unknown module `{module}`: it {reason}", start, end)
