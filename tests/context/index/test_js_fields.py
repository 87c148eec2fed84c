"""JavaScript and TypeScript members in the index: what a constructor assigns on `this`,
`Foo.prototype.bar = function` and `Object.defineProperty(Foo, ...)` are members of `Foo`,
each once; a named function expression assigned to a member and a property descriptor's
`get: function ()` add no rows of their own.

Real tree-sitter parses, a real SQLite index, the `js_proto` fixture repository on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from context.languages import language_for_id
from context.syntax import ExtractionCache, extract_all, extract_definitions, parse
from context.workspace import Workspace

OpenWorkspace = Callable[..., Workspace]
LIB = Path(__file__).resolve().parents[2] / "fixtures" / "repos" / "js_proto" / "lib"
ROUTE_JS = LIB / "route.js"


async def test_an_es5_constructor_owns_its_fields_and_prototype_members(
    copy_repo: Callable[[str], Path], open_workspace: OpenWorkspace
) -> None:
    workspace = open_workspace(copy_repo("js_proto"))
    await workspace.index()
    members = [(m.kind, m.name, m.signature) for m in workspace.store.members("Route")]
    assert members == [
        ("field", "path", "this.path = path;"),
        ("field", "stack", "this.stack = [];"),
        # A `null` placeholder gives way to the assignment that says what the field holds.
        ("field", "methods", "this.methods = {};"),
        ("method", "dispatch", "Route.prototype.dispatch = function dispatch(req, res, done)"),
        (
            "method",
            "handlesMethod",
            "Route.prototype.handlesMethod = function handlesMethod(method)",
        ),
        ("method", "all", "Route.prototype.all = function all()"),
        ("method", "use", "Route.prototype.use = function use(method, handle)"),
        ("method", "remove", "Route.prototype.remove = function remove(method)"),
        ("method", "matches", "Route.prototype.matches = function matches(req)"),
        ("field", "depth", "Object.defineProperty(Route.prototype, 'depth',"),
    ]
    rows = workspace.store.definitions_in_file("lib/route.js")
    names = [row.name for row in rows]
    # The function expression `function dispatch` is the member row, not a second one, and
    # the descriptor's `get: function ()` is no function of the module.
    assert names.count("dispatch") == 1
    assert "get" not in names
    # What the prototype methods assign on `this` are not fields: they run later.
    assert "kept" not in names
    assert [m.signature for m in workspace.store.members("Route") if m.name == "stack"] == [
        "this.stack = [];"
    ]


async def test_a_class_constructor_assigns_fields_once_beside_what_the_class_declares(
    copy_repo: Callable[[str], Path], open_workspace: OpenWorkspace
) -> None:
    workspace = open_workspace(copy_repo("js_proto"))
    await workspace.index()
    deflate = [(m.kind, m.name) for m in workspace.store.members("Deflate")]
    assert deflate == [
        ("field", "_options"),
        ("field", "_threshold"),
        ("field", "params"),
        ("field", "_compressor"),
        ("method", "extensionName"),
        ("method", "accept"),
        ("method", "compress"),
        ("method", "cleanup"),
        # Defined on the class and on its prototype: one member.
        ("field", "LEVEL"),
    ]
    compressor = next(m for m in workspace.store.members("Deflate") if m.name == "_compressor")
    assert compressor.signature == "this._compressor = zlib.createDeflateRaw();"
    # TypeScript: a field the class body declares is not listed again for the constructor's
    # assignment; one that only the constructor assigns is.
    session = [(m.kind, m.name, m.signature) for m in workspace.store.members("Session")]
    assert session == [
        ("field", "socket", "private socket: string"),
        ("field", "createdAt", "readonly createdAt: number"),
        ("field", "retries", "this.retries = 0;"),
        ("method", "close", "close(): void"),
    ]


async def test_an_object_literal_that_fills_a_prototype_gives_the_constructor_its_methods(
    copy_repo: Callable[[str], Path], open_workspace: OpenWorkspace
) -> None:
    workspace = open_workspace(copy_repo("js_proto"))
    await workspace.index()
    members = [(m.kind, m.name, m.signature) for m in workspace.store.members("Template")]
    assert members == [
        ("field", "source", "this.source = source;"),
        ("method", "render", "render: function (context)"),
        ("method", "compile", "compile(options)"),
        # A method that is no constructor gives the fields it assigns a `new` object only.
        ("field", "output", "this.output = new Output(options);"),
        ("method", "emit", "emit(chunk)"),
        # `Object.assign(Template.prototype, { ... })` adds to the same prototype.
        ("method", "escape", "escape: function (text)"),
    ]
    # A plain object's functions stay where they were: no constructor owns them.
    upper = [
        row for row in workspace.store.definitions_in_file("lib/template.js") if row.name == "upper"
    ]
    assert [(row.kind, row.container) for row in upper] == [("function", None)]


@pytest.mark.parametrize("name", ["route.js", "template.js"])
def test_an_edited_document_extracts_the_same_members_as_a_full_parse(name: str) -> None:
    javascript = language_for_id("javascript")
    assert javascript is not None
    source = (LIB / name).read_bytes()
    cache = ExtractionCache(javascript)
    full = extract_definitions(javascript, parse(javascript, source), source)
    assert cache.extract(parse(javascript, source), source)[0] == full
    assert extract_all(javascript, parse(javascript, source), source)[0] == full
    edited = source.replace(b"'use strict';\n", b"'use strict';\n\n\n")
    shifted = cache.extract(parse(javascript, edited), edited)[0]
    assert [(d.name, d.container, d.start_line_idx - 2) for d in shifted] == [
        (d.name, d.container, d.start_line_idx) for d in full
    ]
