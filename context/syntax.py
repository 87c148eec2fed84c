"""Parse source text with tree-sitter and extract its definitions and imports.

`parse` turns text into a tree; `reparse` applies a document's `TextChange`s to an old tree
(`Tree.edit` with byte offsets and points, then a parse that reuses the old tree), which is
what keeps an open document's index rows fresh on every keystroke. `extract_definitions`
and `extract_imports` run the language's queries (see `context.languages`) and return frozen
values; they never raise on broken code, since tree-sitter always produces a tree.

A definition is kept when it is visible from outside its function: module-level functions,
classes and constants, and members of classes, structs, traits, impls, interfaces and
namespaces. Definitions local to a function body are left out (they would only pollute
name lookups), except the fields that a Python `__init__` or `__post_init__` assigns on
its first parameter, at any depth of its `if`/`try`/`with`/`for` blocks, once per name,
and those that a JavaScript or TypeScript constructor assigns on `this` (`context.js_fields`).
JavaScript members assigned onto a constructor outside its body (`Foo.prototype.bar = ...`,
`Object.defineProperty(Foo, 'BAR', ...)`) have that constructor as their container.

Lines are 0-based (`line_idx`); byte offsets are UTF-8 (`offset_bytes`).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import tree_sitter as ts

from context.c_macros import edited_span, is_rewritten, parse_source
from context.document import TextChange
from context.imports.statements import DECODERS, Import, node_text
from context.js_fields import (
    constructor_fields,
    fields_once,
    prototype_owner,
    without_duplicates,
)
from context.languages import (
    Language,
    definitions_query,
    imports_query,
    index_query,
    parser_for,
)

MAX_SIGNATURE_CHARS = 400
"""A signature longer than this is cut at a line break (or hard) and marked with `...`."""

# Nodes that wrap a definition without changing what it defines; the signature and the
# range start at the wrapper so that decorators, `export` and `const` are kept.
_WRAPPERS = frozenset(
    {
        "decorated_definition",
        "export_statement",
        "lexical_declaration",
        "variable_declaration",
        "type_declaration",
        "template_declaration",
    }
)
# C and C++ tags capture a function's declarator; its definition or declaration holds it.
_DECLARATOR_HOLDERS = frozenset({"function_definition", "declaration", "field_declaration"})
# Top-level nodes that belong to the definition after them: they join its chunk.
_ATTACHED_TYPES = frozenset({"comment", "line_comment", "block_comment", "attribute_item"})
_PLAIN_NAMES = frozenset({"identifier", "type_identifier", "namespace_identifier"})
_COMMENT_TYPES = frozenset({"comment", "line_comment", "block_comment"})
_KIND_PRIORITY = {"function": 1, "constant": 0, "variable": 0}

MAX_DEFINITION_DEPTH = 10
"""Definition patterns must start this close to the root. Deeper nodes are local or nested
several classes deep; not descending there is the biggest saving of the query's walk."""
MAX_IMPORT_DEPTH = 6
"""Import statements sit at the top level or a few blocks down (`try`, `if`, a function)."""


@dataclass(frozen=True)
class Definition:
    """One named definition found in a file."""

    name: str
    kind: str
    """`function`, `method`, `class`, `interface`, `type`, `enum`, `field`, `constant`,
    `variable`, `module`, `macro` or `constructor`."""
    container: str | None
    """The enclosing class, struct, impl, trait, interface or namespace, if any."""
    start_line_idx: int
    end_line_idx: int
    signature: str
    """The header up to (not including) the body, e.g. `def total(self, tax: float) -> float:`."""
    doc: str | None
    """The first line of the docstring or of the comment just above, without markers."""


def parse(lang: Language, text: str | bytes) -> ts.Tree:
    """The syntax tree of `text`, parsed with the calling thread's parser for `lang`."""
    source = text.encode("utf-8") if isinstance(text, str) else text
    if is_rewritten(lang.name):
        source = parse_source(source)
    return parser_for(lang).parse(source)


def reparse(
    lang: Language, tree: ts.Tree, old_text: str, changes: Sequence[TextChange]
) -> tuple[str, ts.Tree]:
    """Apply `changes` to `old_text` and its `tree`; return the new text and its tree.

    `tree` is edited in place (pass `tree.copy()` to keep it). Each change's offsets count
    characters in the text left by the change before it, as LSP incremental sync sends them.
    """
    text = old_text
    for change in changes:
        start_byte, start_point = _byte_and_point(text, change.start)
        if change.start <= change.end <= len(text):
            # The old end is counted from the start, over the removed text only: finding a
            # point from the top of the file again would walk (and, outside ASCII, encode)
            # everything before the edit a second time on every keystroke.
            removed = text[max(change.start, 0) : change.end]
            old_end_byte, old_end_point = _after(start_byte, start_point, removed)
        else:
            old_end_byte, old_end_point = _byte_and_point(text, change.end)
        new_end_byte, new_end_point = _after(start_byte, start_point, change.text)
        tree.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=new_end_byte,
            start_point=start_point,
            old_end_point=old_end_point,
            new_end_point=new_end_point,
        )
        text = change.apply(text)
        if is_rewritten(lang.name):
            # The macros' rewrite of the lines around the edit may change too: those bytes
            # are marked edited (same length), so the parser reads them again.
            span_start, span_end = edited_span(text, change.start, change.start + len(change.text))
            first_byte, first_point = _byte_and_point(text, span_start)
            last_byte, last_point = _byte_and_point(text, span_end)
            tree.edit(first_byte, last_byte, last_byte, first_point, last_point, last_point)
    source = text.encode("utf-8")
    if is_rewritten(lang.name):
        source = parse_source(source)
    new_tree = parser_for(lang).parse(source, tree)
    return text, new_tree


def _after(start_byte: int, start_point: tuple[int, int], text: str) -> tuple[int, tuple[int, int]]:
    """The byte offset and point where `text` ends when it begins at `start_byte`,
    `start_point`."""
    encoded = text.encode("utf-8")
    n_newlines = text.count("\n")
    if n_newlines:
        last_line = text[text.rfind("\n") + 1 :]
        return start_byte + len(encoded), (start_point[0] + n_newlines, len(last_line.encode()))
    return start_byte + len(encoded), (start_point[0], start_point[1] + len(encoded))


def _byte_and_point(text: str, offset: int) -> tuple[int, tuple[int, int]]:
    """The UTF-8 byte offset and (row, byte column) point of a character offset."""
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    row = text.count("\n", 0, line_start)
    column_bytes = len(text[line_start:offset].encode("utf-8"))
    if text.isascii():
        return offset, (row, column_bytes)
    return len(text[:line_start].encode("utf-8")) + column_bytes, (row, column_bytes)


def extract_definitions(lang: Language, tree: ts.Tree, source: bytes) -> list[Definition]:
    """The definitions of a parsed file, in source order, without duplicates."""
    cursor = ts.QueryCursor(definitions_query(lang))
    cursor.set_max_start_depth(MAX_DEFINITION_DEPTH)
    return _definitions(lang, cursor.matches(tree.root_node), source, _chunk_ends(lang, tree))


def extract_all(
    lang: Language, tree: ts.Tree, source: bytes
) -> tuple[list[Definition], list[Import]]:
    """The definitions and the imports of a parsed file, from one walk of its tree."""
    cursor = ts.QueryCursor(index_query(lang))
    cursor.set_max_start_depth(MAX_DEFINITION_DEPTH)
    matches = cursor.matches(tree.root_node)
    statements = [c["import"][0] for _, c in matches if "import" in c]
    definitions = _definitions(lang, matches, source, _chunk_ends(lang, tree))
    return definitions, _imports(lang, statements, source)


class ExtractionCache:
    """Definitions and imports of one edited document, re-extracted only where it changed.

    The document is cut into its top-level nodes, each with the comments, attributes and
    blank lines before it (where its doc comment lives). Everything found in a chunk
    depends only on the chunk's text, so a chunk whose text is unchanged since the last
    call reuses its results, shifted to its new first line; only changed chunks are
    queried again. The result always equals `extract_all` on the same tree.
    """

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self._chunks: dict[bytes, tuple[int, list[Definition], list[Import]]] = {}
        self._root_type = ""

    def extract(self, tree: ts.Tree, source: bytes) -> tuple[list[Definition], list[Import]]:
        """The definitions and imports of `tree` (parsed from `source`)."""
        chunks: dict[bytes, tuple[int, list[Definition], list[Import]]] = {}
        root = tree.root_node
        if root.type != self._root_type:
            # Patterns anchored at the root (module-level constants) see another root type
            # (an ERROR node while the file is broken): nothing cached is valid then.
            self._chunks = {}
            self._root_type = root.type
        definitions: list[Definition] = []
        imports: list[Import] = []
        query = index_query(self.lang)
        chunk_ends = _chunk_ends(self.lang, tree)
        chunk_start = 0
        for node in root.children:
            if node.type in _ATTACHED_TYPES:
                continue
            key = source[chunk_start : node.end_byte]
            row = node.start_point.row
            cached = chunks.get(key) or self._chunks.get(key)
            if cached is None:
                cursor = ts.QueryCursor(query)
                cursor.set_max_start_depth(MAX_DEFINITION_DEPTH)
                cursor.set_byte_range(node.start_byte, node.end_byte)
                start, end = node.start_byte, node.end_byte
                matches = [
                    m for m in cursor.matches(tree.root_node) if start <= _match_start(m[1]) < end
                ]
                statements = [c["import"][0] for _, c in matches if "import" in c]
                cached = (
                    row,
                    _definitions(self.lang, matches, source, chunk_ends),
                    _imports(self.lang, statements, source),
                )
            chunks[key] = cached
            shift = row - cached[0]
            if shift:
                definitions.extend(
                    Definition(
                        d.name,
                        d.kind,
                        d.container,
                        d.start_line_idx + shift,
                        d.end_line_idx + shift,
                        d.signature,
                        d.doc,
                    )
                    for d in cached[1]
                )
                imports.extend(
                    Import(i.module, i.names, i.alias, i.kind, i.line_idx + shift)
                    for i in cached[2]
                )
            else:
                definitions.extend(cached[1])
                imports.extend(cached[2])
            chunk_start = node.end_byte
        self._chunks = chunks
        if self.lang.import_style == "javascript":
            definitions = fields_once(definitions)
        return definitions, imports


def _match_start(captures: dict[str, list[ts.Node]]) -> int:
    """Where a match belongs: its import statement, else its definition's name or fields."""
    nodes = captures.get("import") or captures.get("name") or captures.get("definition.fields")
    return nodes[0].start_byte if nodes else -1


def _chunk_ends(lang: Language, tree: ts.Tree) -> list[int]:
    """The end byte of each of the tree's top-level nodes that `ExtractionCache` cuts the
    file at (comments and attributes belong to the node after them). Only JavaScript's
    duplicates are judged per node; other languages get an empty list, so that indexing
    does not walk every file's top level for nothing."""
    if lang.import_style != "javascript":
        return []
    return [node.end_byte for node in tree.root_node.children if node.type not in _ATTACHED_TYPES]


def _definitions(
    lang: Language,
    matches: list[tuple[int, dict[str, list[ts.Node]]]],
    source: bytes,
    chunk_ends: Sequence[int],
) -> list[Definition]:
    found: dict[int, tuple[int, Definition]] = {}
    instance_fields: set[int] = set()
    annotated: set[int] = set()
    for _, captures in matches:
        body = captures.get("definition.fields")
        if body is not None:
            for field, start in _fields_of(lang, body[0], captures, source):
                found.setdefault(start, (2, field))
                instance_fields.add(start)
            continue
        name_nodes = captures.get("name")
        if not name_nodes:
            continue
        name_node = name_nodes[0]
        node, kind = None, ""
        for capture, nodes in captures.items():
            if capture.startswith("definition."):
                node, kind = nodes[0], capture[11:]
                break
        if node is None:
            continue
        scopes = captures.get("local.scope")
        definition = _definition(lang, node, kind, name_node, scopes[0] if scopes else None, source)
        if definition is None:
            continue
        if node.type == "assignment" and node.child_by_field_name("type") is not None:
            annotated.add(name_node.start_byte)
        priority = _KIND_PRIORITY.get(definition.kind, 2)
        previous = found.get(name_node.start_byte)
        if previous is None or previous[0] < priority:
            found[name_node.start_byte] = (priority, definition)
    if lang.import_style == "javascript":
        # Duplicates are judged within each top-level node only, so that what a node gives
        # depends on its text alone and `ExtractionCache` can keep it between edits.
        by_chunk: dict[int, list[tuple[int, Definition]]] = defaultdict(list)
        for key in sorted(found):
            by_chunk[bisect.bisect_right(chunk_ends, key)].append((key, found[key][1]))
        return fields_once(
            [
                definition
                for chunk in sorted(by_chunk)
                for definition in without_duplicates(by_chunk[chunk], instance_fields)
            ]
        )
    if not instance_fields:
        return [found[key][1] for key in sorted(found)]
    # A field assigned again in `__post_init__`, or annotated in the class body first, is
    # one member: its first such line is the one the outline shows. A plain class-level
    # default (`_buffer = None`) says less than the `__init__` line, so both stay.
    seen: set[tuple[str | None, str]] = set()
    definitions: list[Definition] = []
    for key in sorted(found):
        kept = found[key][1]
        if kept.kind == "field":
            member = (kept.container, kept.name)
            if key in instance_fields and member in seen:
                continue
            if key in instance_fields or key in annotated:
                seen.add(member)
        definitions.append(kept)
    return definitions


# Statements whose blocks run as part of the function that holds them, so an attribute
# assigned inside them is set by that function. Functions, lambdas and classes are not here:
# what they assign belongs to another call or another object.
_PYTHON_BLOCKS = frozenset(
    {
        "block",
        "if_statement",
        "elif_clause",
        "else_clause",
        "try_statement",
        "except_clause",
        "except_group_clause",
        "finally_clause",
        "with_statement",
        "for_statement",
        "while_statement",
        "match_statement",
        "case_clause",
    }
)
_PYTHON_TARGET_LISTS = frozenset({"pattern_list", "tuple_pattern", "list_pattern"})


def _fields_of(
    lang: Language, body: ts.Node, captures: dict[str, list[ts.Node]], source: bytes
) -> list[tuple[Definition, int]]:
    """The fields a constructor body assigns, each with its name's byte offset."""
    if lang.import_style != "javascript":
        return _instance_fields(lang, body, captures, source)
    scopes = captures.get("local.scope")
    scope = scopes[0] if scopes else None
    fields: list[tuple[Definition, int]] = []
    # A constructor's body is a class's `constructor` or an ES5 constructor function's.
    holder = body.parent
    is_constructor = holder is not None and holder.type in (
        "method_definition",
        "function_declaration",
    )
    if holder is not None and holder.type == "method_definition" and holder.parent is not None:
        is_constructor = holder.parent.type == "class_body"
    for statement, name_node in constructor_fields(body, source, is_constructor=is_constructor):
        field = _definition(lang, statement, "field", name_node, scope, source)
        if field is not None and field.container is not None:
            fields.append((field, name_node.start_byte))
    return fields


def _instance_fields(
    lang: Language, body: ts.Node, captures: dict[str, list[ts.Node]], source: bytes
) -> list[tuple[Definition, int]]:
    """The attributes that an `__init__` body assigns on its first parameter, each once.

    The walk visits statements only (never expressions), so its cost is linear in the
    method's statements. The first assignment of a name wins, in source order, unless it
    only sets a placeholder (`self.x = None`, no annotation) that a later one replaces: the
    later line says what the field holds.
    """
    receivers = captures.get("fields.self")
    if not receivers:
        return []
    receiver = source[receivers[0].start_byte : receivers[0].end_byte]
    fields: list[tuple[Definition, int]] = []
    names: dict[bytes, int] = {}
    placeholders: set[bytes] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "expression_statement":
            statement = node.named_child(0) if node.named_child_count else None
            if statement is None:
                continue
            value: ts.Node | None = statement
            while value is not None and value.type == "assignment":
                value = value.child_by_field_name("right")
            is_placeholder = value is not None and value.type == "none"
            assignment: ts.Node | None = statement
            while assignment is not None and assignment.type == "assignment":
                for target in _assignment_targets(assignment.child_by_field_name("left")):
                    obj = target.child_by_field_name("object")
                    name_node = target.child_by_field_name("attribute")
                    if obj is None or name_node is None or obj.type != "identifier":
                        continue
                    if source[obj.start_byte : obj.end_byte] != receiver:
                        continue
                    name = source[name_node.start_byte : name_node.end_byte]
                    if name in names and (name not in placeholders or is_placeholder):
                        continue
                    field = _definition(lang, statement, "field", name_node, None, source)
                    if field is None or field.container is None:
                        continue
                    if is_placeholder and assignment.child_by_field_name("type") is None:
                        placeholders.add(name)
                    else:
                        placeholders.discard(name)
                    if name in names:
                        fields[names[name]] = (field, name_node.start_byte)
                    else:
                        names[name] = len(fields)
                        fields.append((field, name_node.start_byte))
                # `self.a = self.b = value` assigns both.
                assignment = assignment.child_by_field_name("right")
        elif node.type in _PYTHON_BLOCKS:
            stack.extend(reversed(node.named_children))
    return fields


def _assignment_targets(left: ts.Node | None) -> list[ts.Node]:
    """The attribute targets of an assignment's left side, `self.a, self.b = ...` included."""
    if left is None:
        return []
    if left.type == "attribute":
        return [left]
    if left.type in _PYTHON_TARGET_LISTS:
        return [child for child in left.named_children if child.type == "attribute"]
    return []


def _definition(
    lang: Language,
    node: ts.Node,
    kind: str,
    name_node: ts.Node,
    scope: ts.Node | None,
    source: bytes,
) -> Definition | None:
    if node.type == "function_declarator":
        holder = node.parent
        while holder is not None and holder.type not in _DECLARATOR_HOLDERS:
            if holder.type in ("parameter_declaration", "compound_statement"):
                return None
            holder = holder.parent
        if holder is None:
            return None
        node = holder
    # Each `parent` and `child_by_field_name` call searches the tree again, and rows cost
    # a few of them each: the parent and the body are looked up once and handed on.
    parent = node.parent
    container, container_type, is_local = _container(lang, node, parent, scope, kind, source)
    if is_local:
        return None
    if kind == "function" and container_type in lang.class_types:
        kind = "method"
    anchor, wrapper = node, parent
    while wrapper is not None and wrapper.type in _WRAPPERS:
        anchor, wrapper = wrapper, wrapper.parent
    body = node.child_by_field_name("body")
    return Definition(
        name=node_text(name_node, source),
        kind=kind,
        container=container,
        start_line_idx=anchor.start_point.row,
        end_line_idx=_end_line_idx(node),
        signature=_signature(lang, node, body, anchor, source),
        doc=_doc(lang, body, anchor, source),
    )


def _end_line_idx(node: ts.Node) -> int:
    """The last line a node covers; a node ending at a line break ends on the line before."""
    end_row, end_column = node.end_point
    if end_column == 0 and end_row > node.start_point.row:
        return int(end_row) - 1
    return int(end_row)


def _container(
    lang: Language,
    node: ts.Node,
    parent: ts.Node | None,
    scope: ts.Node | None,
    kind: str,
    source: bytes,
) -> tuple[str | None, str | None, bool]:
    """(the enclosing container's name and node type, whether the definition is local).

    `parent` is `node.parent`, passed in since the caller needs it too.

    A Go method's receiver, a C++ qualified name's scope (`Circle::area`, captured by the
    tags query as `@local.scope`) and the constructor whose prototype a JavaScript object
    literal fills count as containers.
    """
    if scope is not None:
        return node_text(scope, source), "qualified_identifier", False
    if parent is not None and parent.type == "object" and lang.import_style == "javascript":
        # A method of an object literal that fills `Foo.prototype` is `Foo`'s member.
        owner = prototype_owner(parent, source)
        if owner is not None:
            return owner, "class", False
    if node.type == "method_declaration":
        receiver = node.child_by_field_name("receiver")
        if receiver is not None:
            return _type_name(receiver, source), "receiver", False
    ancestor = parent
    while ancestor is not None:
        field = lang.containers.get(ancestor.type)
        if field is not None:
            name = ancestor.child_by_field_name(field)
            if name is None and ancestor.parent is not None:
                # `typedef struct { ... } git_options;`: the typedef names the struct.
                name = _typedef_name(ancestor.parent)
            if name is not None:
                return _type_name(name, source), ancestor.type, False
        if ancestor.type in lang.function_types and (kind != "field" or lang.name == "go"):
            # A field walks on through functions to find the class of Python's `self.x`;
            # a Go field inside a function belongs to an anonymous struct there (a test
            # table's `[]struct{ err error }`), which nothing outside can name.
            return None, None, True
        ancestor = ancestor.parent
    return None, None, False


def _typedef_name(node: ts.Node) -> ts.Node | None:
    """The name a C or C++ `typedef` gives the anonymous struct it declares, or None."""
    if node.type != "type_definition":
        return None
    return node.child_by_field_name("declarator")


def _type_name(node: ts.Node, source: bytes) -> str:
    """The bare type name in a receiver or impl type: `*Cart` -> `Cart`, `Vec<T>` -> `Vec`."""
    if node.type in _PLAIN_NAMES:
        return node_text(node, source)
    text = node_text(node, source).strip("() ")
    for stop in ("<", "["):
        text = text.split(stop, 1)[0]
    words = text.replace("*", " ").replace("&", " ").split()
    words = [w for w in words if w not in ("mut", "const")]
    return words[-1].rsplit("::", 1)[-1] if words else text


def _body(node: ts.Node, body: ts.Node | None) -> ts.Node | None:
    """The node that a definition's header ends at; `body` is `node`'s own body field."""
    if body is not None:
        return body
    value = node.child_by_field_name("value")
    if value is not None:
        return value.child_by_field_name("body")
    type_node = node.child_by_field_name("type")
    if type_node is not None and type_node.type in ("struct_type", "interface_type"):
        for child in type_node.children:
            if child.type in ("field_declaration_list", "{"):
                return child
    return None


def _signature(
    lang: Language, node: ts.Node, own_body: ts.Node | None, anchor: ts.Node, source: bytes
) -> str:
    body = _body(node, own_body)
    if body is not None and body.start_byte > anchor.start_byte:
        raw = source[anchor.start_byte : body.start_byte]
    else:
        end = source.find(b"\n", anchor.start_byte, anchor.end_byte)
        raw = source[anchor.start_byte : end if end != -1 else anchor.end_byte]
    text = raw.decode("utf-8", "replace").rstrip()
    if body is not None and lang.line_comment and "\n" in text:
        # Comments between the header and the first statement belong to the body.
        lines = text.split("\n")
        while len(lines) > 1 and lines[-1].lstrip().startswith(lang.line_comment):
            lines.pop()
        text = "\n".join(lines).rstrip()
    if text.endswith("{"):
        text = text[:-1].rstrip()
    if text.endswith("=>"):
        text = text[:-2].rstrip()
    if len(text) > MAX_SIGNATURE_CHARS:
        cut = text.rfind("\n", 0, MAX_SIGNATURE_CHARS)
        text = text[: cut if cut > 0 else MAX_SIGNATURE_CHARS].rstrip() + " ..."
    return text


def _doc(lang: Language, body: ts.Node | None, anchor: ts.Node, source: bytes) -> str | None:
    """The first line of a definition's doc; `body` is the definition's own body field."""
    if lang.docstring_in_body:
        # `named_child(0)`, not `named_children[0]`: a class body's list would hold a node
        # for every member, built for each definition of the file.
        first = body.named_child(0) if body is not None and body.named_child_count else None
        if first is not None and first.type == "expression_statement" and first.named_child_count:
            string = first.named_child(0)
            if string is not None and string.type == "string":
                literal = node_text(string, source).lstrip("rRbBuUfF")
                return _first_line(literal.strip("\"'"))
    comment = anchor.prev_named_sibling
    # Rust attributes (`#[derive(...)]`) stand between a definition and its doc comment.
    while comment is not None and comment.type == "attribute_item":
        anchor, comment = comment, comment.prev_named_sibling
    if comment is None or comment.type not in _COMMENT_TYPES:
        return None
    if anchor.start_point.row - comment.end_point.row > 1:
        return None
    # Walk up to the first comment of a contiguous run so its opening line is used.
    while True:
        previous = comment.prev_named_sibling
        if (
            previous is None
            or previous.type not in _COMMENT_TYPES
            or comment.start_point.row - previous.end_point.row > 1
        ):
            break
        comment = previous
    return _first_line(_strip_comment(node_text(comment, source), lang))


def _strip_comment(text: str, lang: Language) -> str:
    markers = sorted(
        {lang.line_comment or "#", "/**", "/*!", "/*", "///", "//!", "//", "*"}, key=len
    )[::-1]
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        for marker in markers:
            if stripped.startswith(marker):
                stripped = stripped[len(marker) :]
                break
        lines.append(stripped.removesuffix("*/").strip())
    return "\n".join(lines)


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped
    return None


def extract_imports(lang: Language, tree: ts.Tree, source: bytes) -> list[Import]:
    """The imports of a parsed file, in source order."""
    cursor = ts.QueryCursor(imports_query(lang))
    cursor.set_max_start_depth(MAX_IMPORT_DEPTH)
    return _imports(lang, cursor.captures(tree.root_node).get("import", []), source)


def _imports(lang: Language, statements: list[ts.Node], source: bytes) -> list[Import]:
    decode = DECODERS[lang.import_style]
    statements.sort(key=lambda n: n.start_byte)
    imports: list[Import] = []
    for node in statements:
        imports.extend(decode(node, source))
    return imports
