"""Decode import statements into `Import` values, one decoder per import style.

The imports query of a language (see `context.languages`) captures whole statements; the
decoder of the language's `import_style` turns each into zero or more `Import`s holding the
module or path exactly as written (`.models`, `./cart`, `crate::cart`, `stdio.h`), the names
it brings in and their aliases. Resolving a module to a file is `context.imports.resolve`'s job.

`Import.kind` says what sort of statement it was:

- `import`: an ordinary import (`import x`, `from x import y`, `import {y} from "x"`, Go, Java,
  Rust `use`);
- `reexport`: JavaScript `export ... from "x"`;
- `require`: JavaScript `require("x")` or `import("x")`;
- `include` / `system`: C and C++ `#include "x"` / `#include <x>`;
- `static`: a Java `import static a.B.m;` (the module is the class);
- `mod`: a Rust `mod x;` declaration, whose body lives in another file;
- `extern_crate`: a Rust `extern crate x;`.

A name `*` stands for a wildcard (`from x import *`, `import * as ns`, `use x::*`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import tree_sitter as ts


@dataclass(frozen=True)
class ImportedName:
    """One name an import brings in, and the local alias it is bound to (None: same name)."""

    name: str
    alias: str | None = None

    @property
    def local_name(self) -> str:
        """The name the importing file uses."""
        return self.alias or self.name


@dataclass(frozen=True)
class Import:
    """One imported module or path as written, with the names taken from it."""

    module: str
    names: tuple[ImportedName, ...] = ()
    alias: str | None = None
    """The local name bound to the module itself (`import numpy as np`, Go `f "fmt"`)."""
    kind: str = "import"
    line_idx: int = 0


Decoder = Callable[[ts.Node, bytes], Iterator[Import]]


def node_text(node: ts.Node | None, source: bytes) -> str:
    """The source text of `node` ("" for no node), undecodable bytes replaced."""
    if node is None:
        return ""
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _string_content(node: ts.Node | None, source: bytes) -> str:
    """The text of a string literal node without its quotes."""
    text = node_text(node, source)
    if len(text) >= 2 and text[0] in "\"'`<" and text[-1] in "\"'`>":
        return text[1:-1]
    return text


def decode_python(node: ts.Node, source: bytes) -> Iterator[Import]:
    """`import a.b as c` and `from .a import b as c, d` (and `from __future__ import x`)."""
    line_idx = node.start_point.row
    if node.type == "import_statement":
        for child in node.named_children:
            if child.type == "aliased_import":
                module = node_text(child.child_by_field_name("name"), source)
                alias = node_text(child.child_by_field_name("alias"), source)
                yield Import(module, alias=alias, line_idx=line_idx)
            elif child.type == "dotted_name":
                yield Import(node_text(child, source), line_idx=line_idx)
        return
    module_node = node.child_by_field_name("module_name")
    module = node_text(module_node, source) if module_node is not None else "__future__"
    names: list[ImportedName] = []
    module_start = module_node.start_byte if module_node is not None else -1
    for child in node.named_children:
        if child.start_byte == module_start:
            continue
        if child.type == "wildcard_import":
            names.append(ImportedName("*"))
        elif child.type == "aliased_import":
            names.append(
                ImportedName(
                    node_text(child.child_by_field_name("name"), source),
                    node_text(child.child_by_field_name("alias"), source),
                )
            )
        elif child.type in ("dotted_name", "identifier"):
            names.append(ImportedName(node_text(child, source)))
    yield Import(module, tuple(names), line_idx=line_idx)


def decode_javascript(node: ts.Node, source: bytes) -> Iterator[Import]:
    """ES imports and re-exports, `require("x")`, `import("x")`, TS `import x = require()`."""
    line_idx = node.start_point.row
    if node.type == "call_expression":
        arguments = node.child_by_field_name("arguments")
        first = arguments.named_children[0] if arguments and arguments.named_children else None
        module = _string_content(first, source)
        names: list[ImportedName] = []
        alias = None
        parent = node.parent
        if parent is not None and parent.type == "variable_declarator":
            target = parent.child_by_field_name("name")
            if target is not None and target.type == "identifier":
                alias = node_text(target, source)
            elif target is not None and target.type == "object_pattern":
                names = list(_object_pattern_names(target, source))
        yield Import(module, tuple(names), alias, "require", line_idx)
        return
    module = _string_content(node.child_by_field_name("source"), source)
    if node.type == "export_statement":
        exported: list[ImportedName] = []
        for child in node.named_children:
            if child.type == "export_clause":
                exported.extend(_specifiers(child, "export_specifier", source))
            elif child.type == "namespace_export":
                exported.append(ImportedName("*", node_text(child.named_children[-1], source)))
        if not exported:
            exported.append(ImportedName("*"))
        yield Import(module, tuple(exported), kind="reexport", line_idx=line_idx)
        return
    imported: list[ImportedName] = []
    alias = None
    for child in node.named_children:
        if child.type == "import_require_clause":
            alias = node_text(child.named_children[0], source)
            module = _string_content(child.child_by_field_name("source"), source)
        elif child.type == "import_clause":
            for part in child.named_children:
                if part.type == "identifier":
                    imported.append(ImportedName("default", node_text(part, source)))
                elif part.type == "namespace_import":
                    imported.append(ImportedName("*", node_text(part.named_children[-1], source)))
                elif part.type == "named_imports":
                    imported.extend(_specifiers(part, "import_specifier", source))
    yield Import(module, tuple(imported), alias, line_idx=line_idx)


def _specifiers(node: ts.Node, kind: str, source: bytes) -> Iterator[ImportedName]:
    for spec in node.named_children:
        if spec.type == kind:
            alias_node = spec.child_by_field_name("alias")
            yield ImportedName(
                node_text(spec.child_by_field_name("name"), source),
                node_text(alias_node, source) if alias_node is not None else None,
            )


def _object_pattern_names(node: ts.Node, source: bytes) -> Iterator[ImportedName]:
    for child in node.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            yield ImportedName(node_text(child, source))
        elif child.type == "pair_pattern":
            yield ImportedName(
                node_text(child.child_by_field_name("key"), source),
                node_text(child.child_by_field_name("value"), source),
            )


def decode_go(node: ts.Node, source: bytes) -> Iterator[Import]:
    """One `import_spec`: `"fmt"`, `f "fmt"`, `. "fmt"`, `_ "fmt"`."""
    name = node.child_by_field_name("name")
    alias = node_text(name, source) if name is not None else None
    yield Import(
        _string_content(node.child_by_field_name("path"), source),
        alias=alias,
        line_idx=node.start_point.row,
    )


def decode_rust(node: ts.Node, source: bytes) -> Iterator[Import]:
    """`use` trees (flattened, grouped by module path), `mod x;` and `extern crate x;`."""
    line_idx = node.start_point.row
    if node.type == "mod_item":
        yield Import(
            node_text(node.child_by_field_name("name"), source), kind="mod", line_idx=line_idx
        )
        return
    if node.type == "extern_crate_declaration":
        alias_node = node.child_by_field_name("alias")
        yield Import(
            node_text(node.child_by_field_name("name"), source),
            alias=node_text(alias_node, source) if alias_node is not None else None,
            kind="extern_crate",
            line_idx=line_idx,
        )
        return
    grouped: dict[str, list[ImportedName]] = {}
    argument = node.child_by_field_name("argument")
    if argument is not None:
        for module, name in _use_tree(argument, "", source):
            grouped.setdefault(module, []).append(name)
    for module, names in grouped.items():
        yield Import(module, tuple(names), line_idx=line_idx)


def _use_tree(node: ts.Node, prefix: str, source: bytes) -> Iterator[tuple[str, ImportedName]]:
    """(module path, name) pairs of one `use` tree below `prefix`."""
    kind = node.type
    if kind == "scoped_identifier":
        path = node_text(node.child_by_field_name("path"), source)
        yield _join(prefix, path), ImportedName(node_text(node.child_by_field_name("name"), source))
    elif kind in ("identifier", "self", "crate", "super"):
        yield prefix.removesuffix("::"), ImportedName(node_text(node, source))
    elif kind == "use_as_clause":
        path = node_text(node.child_by_field_name("path"), source)
        module, _, name = path.rpartition("::")
        alias = node_text(node.child_by_field_name("alias"), source)
        yield _join(prefix, module), ImportedName(name, alias)
    elif kind == "use_wildcard":
        inner = node.named_children[0] if node.named_children else None
        yield _join(prefix, node_text(inner, source)), ImportedName("*")
    elif kind == "scoped_use_list":
        path = node_text(node.child_by_field_name("path"), source)
        inner_prefix = _join(prefix, path) + "::" if path else prefix
        listed = node.child_by_field_name("list")
        if listed is not None:
            yield from _use_tree(listed, inner_prefix, source)
    elif kind == "use_list":
        for child in node.named_children:
            yield from _use_tree(child, prefix, source)


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix.removesuffix("::")
    return prefix + path


def decode_java(node: ts.Node, source: bytes) -> Iterator[Import]:
    """`import a.b.C;`, `import a.b.*;`, `import static a.b.C.m;`."""
    path_node = next(
        (c for c in node.named_children if c.type in ("scoped_identifier", "identifier")), None
    )
    path = node_text(path_node, source)
    is_wildcard = any(c.type == "asterisk" for c in node.children)
    is_static = any(c.type == "static" for c in node.children)
    if is_wildcard:
        module, name = path, "*"
    else:
        module, _, name = path.rpartition(".")
    yield Import(
        module,
        (ImportedName(name),),
        kind="static" if is_static else "import",
        line_idx=node.start_point.row,
    )


def decode_c(node: ts.Node, source: bytes) -> Iterator[Import]:
    """`#include "x.h"` (kind `include`) and `#include <x.h>` (kind `system`)."""
    path = node.child_by_field_name("path")
    if path is None:
        return
    kind = "system" if path.type == "system_lib_string" else "include"
    yield Import(_string_content(path, source), kind=kind, line_idx=node.start_point.row)


DECODERS: dict[str, Decoder] = {
    "python": decode_python,
    "javascript": decode_javascript,
    "go": decode_go,
    "rust": decode_rust,
    "java": decode_java,
    "c": decode_c,
}
