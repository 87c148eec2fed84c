"""What a TypeScript type alias stands for, a class's constructor-declared fields, and the
type a signature gives one parameter.

A receiver typed with an alias (`state: ImmerState` where `type ImmerState = ProxyObjectState
| ProxyArrayState | MapState`) has the members of every type the alias names: a union's and
an intersection's parts, a generic's base (`Store<T>`: `Store`), the alias's own object type
(`type Options = { name: string; run(): void }`). `alias_shape` reads that from the alias's
file with tree-sitter, once per indexed version of the file; an object type's properties are
given as index-like rows (the index keeps no rows for them), so that they rank and render
as any member does; so are a class's parameter properties (`constructor(public options:
Options)`: a field `options` of type `Options`).

`constructor_signature` gives a class's constructor's signature, which the index keeps no
row for either. `parameter_type` reads the type a function's signature states for its own parameter
(`reaction(expression: (r: IReactionPublic) => T, ...)` gives `r` none: that `r` belongs
to a function type), and a bare type parameter is read as its constraint
(`<T extends Annotation>(x: T)`: `Annotation`); `guard_call` and `guarded_type` read a type
guard's test (`if (isObservable(value))`) and what it asserts (`x is Observable`).

Guarantees: pure functions of the signature or of the file's indexed text; never raise; an
alias whose file cannot be read or parsed has no parts and no members.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter as ts

from context.index.store import IndexStore, SymbolRow
from context.languages import language_named
from context.retrieval.rowcache import FileMemo
from context.retrieval.ts_callbacks import parameters
from context.syntax import parse

MAX_PARTS = 12
"""Types of one alias followed: a union of dozens of literal types names no members."""

_TS_LANGUAGES = ("typescript", "tsx")
_PART_NODES = frozenset({"type_identifier", "nested_type_identifier", "generic_type"})
_COMBINED_NODES = frozenset({"union_type", "intersection_type", "parenthesized_type"})
_CLASS_NODES = frozenset({"class_declaration", "abstract_class_declaration"})
_PROPERTY_MARKS = frozenset({"accessibility_modifier", "readonly", "override_modifier"})
_MEMBER_NODES = {"property_signature": "field", "method_signature": "method"}


@dataclass(frozen=True)
class AliasMember:
    """One property or method of an alias's object type, as its line says it."""

    name: str
    kind: str
    line_idx: int
    signature: str


@dataclass(frozen=True)
class AliasShape:
    """What one type alias is made of."""

    parts: tuple[tuple[str, ...], ...] = ()
    """The qualified names of the types it combines (`("ns", "F")` for `ns.F`)."""
    members: tuple[AliasMember, ...] = ()
    """The properties and methods of its own object types."""


@dataclass(frozen=True)
class _FileShapes:
    """One file's type aliases and its classes' constructor parameter properties."""

    aliases: dict[str, AliasShape]
    parameter_fields: dict[str, tuple[AliasMember, ...]]
    constructors: dict[str, str]
    """Each class's constructor signature (`constructor(source: Source, size = 1)`)."""


def alias_shape(store: IndexStore, row: SymbolRow) -> AliasShape:
    """The parts and members of the TypeScript type alias `row`; empty for any other row."""
    if row.kind != "type" or row.language not in _TS_LANGUAGES:
        return AliasShape()
    shapes = _shapes_of(store, row)
    return shapes.aliases.get(row.name, AliasShape()) if shapes is not None else AliasShape()


def parameter_fields(store: IndexStore, row: SymbolRow) -> list[SymbolRow]:
    """The fields a TypeScript class declares in its constructor's parameters
    (`constructor(public options: Options, private readonly store: Store)`), which the
    index keeps no rows for, as rows contained in the class."""
    if row.kind != "class" or row.language not in _TS_LANGUAGES:
        return []
    shapes = _shapes_of(store, row)
    if shapes is None:
        return []
    return member_rows(row, shapes.parameter_fields.get(row.name, ()))


def constructor_signature(store: IndexStore, row: SymbolRow) -> str | None:
    """The signature of the TypeScript class `row`'s own constructor, which the index keeps
    no row for (`constructor(source: PipeSource<T>, size = 1)`), or None."""
    if row.kind != "class" or row.language not in _TS_LANGUAGES:
        return None
    shapes = _shapes_of(store, row)
    return shapes.constructors.get(row.name) if shapes is not None else None


def _shapes_of(store: IndexStore, row: SymbolRow) -> _FileShapes | None:
    file = store.file(row.rel_path)
    return _SHAPES[row.language].of(store, file) if file is not None else None


def member_rows(row: SymbolRow, members: tuple[AliasMember, ...]) -> list[SymbolRow]:
    """`members` as rows contained in the type `row`."""
    return [
        SymbolRow(
            name=m.name,
            kind=m.kind,
            container=row.name,
            path=row.path,
            rel_path=row.rel_path,
            language=row.language,
            start_line_idx=m.line_idx,
            end_line_idx=m.line_idx,
            signature=m.signature,
            doc=None,
        )
        for m in members
    ]


def parameter_type(signature: str, name: str) -> str | None:
    """The type the signature's own parameter list gives `name`, its constraint when that
    type is one of the signature's type parameters; None when no parameter of it is `name`
    or it states no type."""
    flat = " ".join(signature.split())
    open_at = _parameters_start(flat)
    if open_at < 0:
        return None
    for parameter, declared in parameters(flat, open_at):
        if parameter == name and declared is not None:
            return _constraint(flat[:open_at], declared) or declared
    return None


def guard_call(body: str, name: str) -> str | None:
    """The function of the last positive type-guard test of `name` in `body`
    (`if (isObservable(value))`, `if (ready && isObservable(value))`), or None."""
    n = re.escape(name)
    found = re.findall(
        rf"\bif\s*\((?:[^()\n]*&&\s*)?([A-Za-z_$][\w$]*)\s*\(\s*{n}\s*\)\s*(?:\)|&&)", body
    )
    return found[-1] if found else None


def guarded_type(signature: str) -> str | None:
    """The type a type guard's signature asserts (`(x: unknown): x is Observable<T>`)."""
    found = re.search(r"\)\s*:\s*(?:asserts\s+)?[A-Za-z_$][\w$]*\s+is\s+([^{=]+)", signature)
    return found.group(1).strip() if found is not None else None


def _parameters_start(flat: str) -> int:
    """Where the signature's parameter list opens: the first `(` outside its type
    parameters (`function f<T extends (a: A) => B>(x: T)`)."""
    depth = 0
    for idx, ch in enumerate(flat):
        if ch == "<":
            depth += 1
        elif ch == ">" and depth and flat[idx - 1] != "=":
            depth -= 1
        elif ch == "(" and depth == 0:
            return idx
    return -1


def _constraint(head: str, declared: str) -> str | None:
    """The constraint the type parameters in `head` give a bare `declared` (`T`)."""
    if not re.fullmatch(r"[A-Za-z_$][\w$]*", declared):
        return None
    found = re.search(rf"[<,]\s*{re.escape(declared)}\s+extends\s+([A-Za-z_$][\w$.]*)", head)
    return found.group(1) if found is not None else None


def _file_shapes(language: str, text: str) -> _FileShapes:
    """Every top-level type alias of a file's text, and every top-level class's
    constructor parameter properties, by name."""
    lang = language_named(language)
    empty = _FileShapes({}, {}, {})
    if lang is None or ("type " not in text and "constructor" not in text):
        return empty
    try:
        tree = parse(lang, text)
    except (ValueError, RuntimeError):
        return empty
    shapes: dict[str, AliasShape] = {}
    fields: dict[str, tuple[AliasMember, ...]] = {}
    constructors: dict[str, str] = {}
    for node in tree.root_node.named_children:
        alias = node.named_children[0] if node.type == "export_statement" else node
        if alias is not None and alias.type in _CLASS_NODES:
            _add_parameter_fields(alias, fields, constructors)
            continue
        if alias is None or alias.type != "type_alias_declaration":
            continue
        name = alias.child_by_field_name("name")
        value = alias.child_by_field_name("value")
        if name is None or value is None or name.text is None:
            continue
        parts: list[tuple[str, ...]] = []
        members: list[AliasMember] = []
        _collect(value, parts, members)
        shapes[name.text.decode("utf-8", "replace")] = AliasShape(
            tuple(dict.fromkeys(parts))[:MAX_PARTS], tuple(members)
        )
    return _FileShapes(shapes, fields, constructors)


def _add_parameter_fields(
    node: ts.Node, fields: dict[str, tuple[AliasMember, ...]], constructors: dict[str, str]
) -> None:
    """The parameter properties of the class `node`'s constructor, into `fields`, and the
    constructor's signature, into `constructors`."""
    name = node.child_by_field_name("name")
    body = node.child_by_field_name("body")
    if name is None or body is None or name.text is None:
        return
    found: list[AliasMember] = []
    for method in body.named_children:
        key = method.child_by_field_name("name")
        params = method.child_by_field_name("parameters")
        if method.type != "method_definition" or key is None or params is None:
            continue
        if key.text != b"constructor" or params.text is None:
            continue
        listed = " ".join(params.text.decode("utf-8", "replace").split())
        constructors[name.text.decode("utf-8", "replace")] = "constructor" + listed
        for param in params.named_children:
            is_property = any(c.type in _PROPERTY_MARKS for c in param.children)
            pattern = param.child_by_field_name("pattern")
            if not is_property or pattern is None or pattern.text is None or param.text is None:
                continue
            signature = " ".join(param.text.decode("utf-8", "replace").split())
            found.append(
                AliasMember(
                    pattern.text.decode("utf-8", "replace"),
                    "field",
                    param.start_point[0],
                    signature,
                )
            )
    if found:
        fields[name.text.decode("utf-8", "replace")] = tuple(found)


def _collect(node: ts.Node, parts: list[tuple[str, ...]], members: list[AliasMember]) -> None:
    """The named types and object-type members of a union, intersection or single type."""
    if node.type in _COMBINED_NODES:
        for child in node.named_children:
            _collect(child, parts, members)
    elif node.type in _PART_NODES:
        named = node.child_by_field_name("name") if node.type == "generic_type" else node
        if named is not None and named.text is not None:
            text = named.text.decode("utf-8", "replace")
            parts.append(tuple(w.strip() for w in text.split(".")))
    elif node.type == "object_type":
        for child in node.named_children:
            kind = _MEMBER_NODES.get(child.type)
            key = child.child_by_field_name("name")
            if kind is None or key is None or key.text is None or child.text is None:
                continue
            line = child.text.decode("utf-8", "replace").split("\n", 1)[0].rstrip(",; ")
            members.append(
                AliasMember(key.text.decode("utf-8", "replace"), kind, child.start_point[0], line)
            )


def _shapes_memo(language: str) -> FileMemo[_FileShapes]:
    def derive(text: str) -> _FileShapes:
        return _file_shapes(language, text)

    return FileMemo(derive)


_SHAPES = {language: _shapes_memo(language) for language in _TS_LANGUAGES}
"""Each TypeScript file's aliases, kept per indexed hash."""
