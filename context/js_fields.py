"""JavaScript and TypeScript members that a tags query alone cannot list once each.

A constructor makes its object's fields by assigning them: `this._socket = socket` in a
class's `constructor`, or in an ES5 constructor function (`function Route(path) { this.path =
path; }`). `constructor_fields` walks such a body's statements and finds those assignments.
`without_duplicates` then keeps one row per member where the tags patterns overlap: a named
function expression assigned to a member (`Route.prototype.dispatch = function dispatch`)
matches both as the assignment and as the function, and a field the class declares
(`private socket: Socket;`, a getter) may be assigned again in the constructor.
`prototype_owner` names the constructor whose prototype an object literal fills
(`Foo.prototype = { wrap: function () {} }`, `Object.assign(Foo.prototype, { ... })`), so
that the literal's methods are indexed as `Foo`'s members.

Guarantees: visits statements only (never expressions), so the cost is linear in the
constructor's statements; nested functions are not entered (what they assign runs later, on
whatever `this` they are called with); the first assignment of a name wins unless it only
sets a placeholder (`null`, `undefined`) that a later one replaces; the output keeps the
input's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import tree_sitter as ts

from context.imports.statements import node_text

if TYPE_CHECKING:
    from context.syntax import Definition

# Statements whose blocks run as part of the constructor that holds them.
_BLOCKS = frozenset(
    {
        "statement_block",
        "if_statement",
        "else_clause",
        "try_statement",
        "catch_clause",
        "finally_clause",
        "for_statement",
        "for_in_statement",
        "while_statement",
        "do_statement",
        "switch_statement",
        "switch_body",
        "switch_case",
        "switch_default",
        "labeled_statement",
    }
)
_PLACEHOLDERS = frozenset({"null", "undefined"})


def constructor_fields(
    body: ts.Node, source: bytes, *, is_constructor: bool = True
) -> list[tuple[ts.Node, ts.Node]]:
    """The (statement, name node) of each field a constructor body assigns on `this`,
    once per name, in source order. A method that is no constructor (`is_constructor`
    false) gives only the fields it assigns a `new` object (`this.source = new CodeGen()`
    in `compile: function`): their type is what it says, and a field set to anything
    else there is the constructor's to list."""
    fields: list[tuple[ts.Node, ts.Node]] = []
    names: dict[bytes, int] = {}
    placeholders: set[bytes] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in _BLOCKS:
            stack.extend(reversed(node.named_children))
            continue
        if node.type != "expression_statement" or not node.named_children:
            continue
        assignment: ts.Node | None = node.named_children[0]
        value = assignment
        while value is not None and value.type == "assignment_expression":
            value = value.child_by_field_name("right")
        is_placeholder = value is not None and (
            value.type in _PLACEHOLDERS or node_text(value, source) == "undefined"
        )
        if not is_constructor and (value is None or value.type != "new_expression"):
            continue
        # `this.a = this.b = value` assigns both.
        while assignment is not None and assignment.type == "assignment_expression":
            target = assignment.child_by_field_name("left")
            assignment = assignment.child_by_field_name("right")
            if target is None or target.type != "member_expression":
                continue
            obj = target.child_by_field_name("object")
            name_node = target.child_by_field_name("property")
            if obj is None or obj.type != "this" or name_node is None:
                continue
            if name_node.type not in ("property_identifier", "private_property_identifier"):
                continue
            name = source[name_node.start_byte : name_node.end_byte]
            if name in names:
                if name in placeholders and not is_placeholder:
                    fields[names[name]] = (node, name_node)
                    placeholders.discard(name)
                continue
            names[name] = len(fields)
            fields.append((node, name_node))
            if is_placeholder:
                placeholders.add(name)
    return fields


def prototype_owner(obj: ts.Node, source: bytes) -> str | None:
    """The constructor `Foo` whose prototype the object literal `obj` fills, or None.

    Two shapes count: the literal assigned to `Foo.prototype` (also in a chain, `Foo.fn =
    Foo.prototype = { ... }`), and the literal passed after `Foo.prototype` to a call
    (`Object.assign(Foo.prototype, { ... })` and the `extend`/`mixin` helpers shaped like
    it) with only other sources between them, never a property descriptor after a name
    (`Object.defineProperty`). Only the literal's parent and its arguments are looked at.
    """
    parent = obj.parent
    if parent is None:
        return None
    if parent.type == "assignment_expression":
        if parent.child_by_field_name("right") != obj:
            return None
        return _prototype_of(parent.child_by_field_name("left"), source)
    if parent.type == "arguments" and parent.named_child_count > 1:
        first, *rest = parent.named_children
        if first == obj:
            return None
        for argument in rest:
            if argument == obj:
                return _prototype_of(first, source)
            if argument.type not in ("object", "identifier", "member_expression"):
                # `Object.defineProperty(Foo.prototype, 'depth', { get() {} })`: a
                # descriptor after a property's name, not members.
                return None
    return None


def _prototype_of(node: ts.Node | None, source: bytes) -> str | None:
    """`Foo` when `node` is `Foo.prototype`, else None."""
    if node is None or node.type != "member_expression":
        return None
    owner = node.child_by_field_name("object")
    prop = node.child_by_field_name("property")
    if owner is None or prop is None or owner.type != "identifier":
        return None
    if node_text(prop, source) != "prototype":
        return None
    return node_text(owner, source)


def without_duplicates(
    keyed: Sequence[tuple[int, Definition]], field_keys: set[int]
) -> list[Definition]:
    """The definitions of `keyed` ((name's byte offset, definition), in source order) less
    the constructor fields (`field_keys`) that their class also declares, a field defined
    again (`Object.defineProperty` on both `Foo` and `Foo.prototype`), what a member's
    value defines (the `get: function ()` of a property descriptor), and a row with the
    name and first line of a row kept before it (the function expression inside
    `Route.prototype.dispatch = function dispatch`, whose member row says more)."""
    declared = {(d.container, d.name) for key, d in keyed if key not in field_keys}
    seen: set[tuple[str, int]] = set()
    fields: set[tuple[str | None, str]] = set()
    kept: list[Definition] = []
    value_end = -1
    for key, definition in keyed:
        member = (definition.container, definition.name)
        if key in field_keys and member in declared:
            continue
        line = (definition.name, definition.start_line_idx)
        if line in seen or (definition.kind == "field" and member in fields):
            continue
        if definition.container is None and definition.start_line_idx <= value_end:
            # `get: function ()` in a property's descriptor is part of that member.
            continue
        seen.add(line)
        if definition.kind == "field" and definition.container is not None:
            fields.add(member)
            value_end = max(value_end, definition.end_line_idx)
        kept.append(definition)
    return kept


def fields_once(definitions: Sequence[Definition]) -> list[Definition]:
    """`definitions` less each field of a type already listed as that type's field earlier
    (`Object.defineProperty` on both `Foo` and `Foo.prototype`, in two statements).

    `without_duplicates` judges one top-level node at a time, so that the index's
    per-node extraction cache stays valid; this pass, run on the whole file's list by
    both paths, joins what two nodes define."""
    seen: set[tuple[str, str]] = set()
    kept: list[Definition] = []
    for definition in definitions:
        if definition.kind == "field" and definition.container is not None:
            member = (definition.container, definition.name)
            if member in seen:
                continue
            seen.add(member)
        kept.append(definition)
    return kept
