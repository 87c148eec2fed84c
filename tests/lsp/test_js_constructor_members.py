"""`fillin/context` through a real `fillin serve` where a JavaScript or TypeScript receiver's
type is not declared where it is used.

The `js_proto` fixture repository (on disk): `lib/route.js` is an ES5 `function Route` with
`Route.prototype.dispatch = function` and `Object.defineProperty(Route.prototype, ...)`,
`lib/template.js` fills `Template.prototype` with object literals (assigned, and through
`Object.assign`; a method there assigns `this.output = new Output()` of `lib/output.js`) and
`lib/view.js` uses an instance of it, `lib/deflate.js` exports one class (`module.exports =
Deflate`), `lib/socket.js` requires both, and `lib/express.js` mixes `lib/application.js`'s
member-by-member `app` object into a local `app`; `ts/schemas.ts` reaches `ts/core/api.ts`'s
types and functions through `import * as core`, and `ts/core/util.ts` through `import { util
}` from a barrel that has `export * as util`; `esm/parser.js` reaches the classes that
`esm/tree/index.js` imports and default-exports as one object (`tree.Ruleset`);
`lib/plugins.js` uses `lib/registry.js`'s object built member by member; `lib/report.js`
names `Deflate` only in a JSDoc `@typedef`; `lib/logger.js` requires names of
`lib/symbols.js` in a list that spans lines. Each case removes the rest of a marked line
(the cursor is `$0`), opens the result and asks for the prompt. The model server is the
deterministic stand-in (tests/modelserver.py); it is never asked, since `fillin/context`
only builds the prompt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize
from tests.lsp.test_requests import indexed_settings, request, wait_for_index
from tests.modelserver import ModelServer

REPO = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "js_proto"
CURSOR = "$0"


async def _context_at(client: LanguageClient, rel_path: str, marked_line: str) -> Any:
    """The `fillin/context` result with the rest of `marked_line` removed after `$0`."""
    path = REPO / rel_path
    text = path.read_text(encoding="utf-8")
    line = marked_line.replace(CURSOR, "")
    line_start = text.index(line)
    column = marked_line.index(CURSOR)
    hole = text[: line_start + column] + text[line_start + len(line) :]
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(),
                language_id="typescript" if path.suffix == ".ts" else "javascript",
                version=1,
                text=hole,
            )
        )
    )
    position = {"line": text[:line_start].count("\n"), "character": column}
    return await request(
        client, "fillin/context", {"textDocument": {"uri": path.as_uri()}, "position": position}
    )


async def _serve(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path, budget: int
) -> LanguageClient:
    settings = indexed_settings(model_server, tmp_path)
    settings["context"]["maxPromptTokens"] = budget
    await initialize(client, settings, folders=[REPO])
    await wait_for_index(client)
    return client


@pytest.fixture
async def served(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> LanguageClient:
    return await _serve(client, model_server, tmp_path, 2048)


def _member_text(result: Any) -> str:
    return "".join(s.text for s in result.sections if s.source == "member")


async def test_this_in_a_prototype_method_gets_the_constructors_members(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    # A small budget keeps the constructor out of the prompt's window of the file, as in a
    # file of a thousand lines: the outline is then the only place its members show.
    served = await _serve(client, model_server, tmp_path, 400)
    result = await _context_at(served, "lib/route.js", "  if (!this.$0methods) {")
    members = _member_text(result)
    assert "function Route(path)" in members
    assert "Route.prototype.handlesMethod = function handlesMethod(method)" in members
    assert "this.methods = {};" in members
    assert "Object.defineProperty(Route.prototype, 'depth'," in members


async def test_an_instance_gets_the_methods_an_object_literal_puts_on_its_prototype(
    served: LanguageClient,
) -> None:
    result = await _context_at(served, "lib/view.js", "  const html = template.$0render(context);")
    members = _member_text(result)
    assert "function Template(source)" in members
    assert "render: function (context)" in members
    assert "compile(options)" in members
    assert "escape: function (text)" in members
    # A plain object's function in the same file is no member of `Template`.
    assert "upper: function (text)" not in members


async def test_a_field_a_prototype_method_assigns_a_new_object_has_that_objects_members(
    served: LanguageClient,
) -> None:
    result = await _context_at(served, "lib/template.js", "    this.output.$0write(chunk);")
    members = _member_text(result)
    assert "class Output" in members
    assert "write(chunk)" in members
    assert "flush()" in members


async def test_a_default_exported_object_of_imported_classes_lists_each_class(
    served: LanguageClient,
) -> None:
    result = await _context_at(
        served, "esm/parser.js", "  const root = new tree.$0Ruleset(selectors, rules);"
    )
    members = _member_text(result)
    assert "class Ruleset extends Node" in members
    assert "class Color extends Node" in members


async def test_a_required_class_is_the_class_not_its_modules_names(
    served: LanguageClient,
) -> None:
    result = await _context_at(served, "lib/socket.js", "    const name = Deflate.$0extensionName;")
    members = _member_text(result)
    assert "class Deflate" in members
    assert "static get extensionName()" in members
    assert "Object.defineProperty(Deflate, 'LEVEL'" in members
    # The module's top-level names are not what `Deflate.` reaches.
    assert "const kBuffers" not in members


async def test_an_instance_of_a_required_constructor_gets_its_members(
    served: LanguageClient,
) -> None:
    result = await _context_at(served, "lib/socket.js", "    route.$0dispatch(req, res, () => {});")
    members = _member_text(result)
    assert "Route.prototype.dispatch = function dispatch(req, res, done)" in members
    assert "Object.defineProperty(Route.prototype, 'depth'," in members


async def test_an_untyped_variable_named_after_a_class_gets_its_members(
    served: LanguageClient,
) -> None:
    result = await _context_at(
        served, "lib/socket.js", "    deflate.$0compress(Buffer.alloc(0), true, () => {});"
    )
    members = _member_text(result)
    assert "compress(data, fin, callback)" in members
    assert "class Deflate" in members


async def test_a_receiver_named_like_an_imported_object_gets_its_assigned_members(
    served: LanguageClient,
) -> None:
    result = await _context_at(served, "lib/express.js", "  app.$0init();")
    members = _member_text(result)
    assert "app.init = function init()" in members
    assert "app.handle = function handle(req, res, callback)" in members


async def test_a_namespace_member_in_a_type_position_lists_the_modules_types_first(
    served: LanguageClient,
) -> None:
    line = "  gt(value: number, params?: string | core.$0CheckGreaterThanParams): this;"
    result = await _context_at(served, "ts/schemas.ts", line)
    members = _member_text(result)
    wanted = members.index("export type CheckGreaterThanParams")
    # The functions this file calls most through `core.` come after every type.
    assert wanted < members.index("export function normalizeParams")
    assert members.index("export interface SymbolInternals") < members.index(
        "export function clone"
    )


async def test_a_name_a_barrel_exports_as_a_namespace_is_that_module(
    served: LanguageClient,
) -> None:
    result = await _context_at(
        served, "ts/schemas.ts", "  return util.$0shallowClone(core.clone(inst));"
    )
    sections = {(s.source, s.path) for s in result.sections}
    assert ("member", "ts/core/util.ts") in sections
    assert "export function shallowClone<T extends object>(value: T): T" in _member_text(result)


async def test_a_value_from_a_method_whose_doc_comment_states_its_return_type(
    served: LanguageClient,
) -> None:
    result = await _context_at(
        served, "lib/socket.js", "    handler.$0use('GET', () => res.end());"
    )
    members = _member_text(result)
    assert "function Route(path)" in members
    assert "Route.prototype.use = function use(method, handle)" in members


async def test_an_object_built_member_by_member_lists_what_the_file_uses_after_the_cursor(
    served: LanguageClient,
) -> None:
    result = await _context_at(served, "lib/plugins.js", "  $0registry.add('core', plugins.core);")
    definitions = "".join(s.text for s in result.sections if s.source == "definition")
    # Both members are used only below the cursor: the suffix says what the file needs.
    assert "registry.add = function add(name, plugin)" in definitions
    assert "registry.remove = function remove(name)" in definitions
    assert "neverUsed" not in definitions


async def test_an_untyped_parameter_named_after_a_class_its_doc_comments_import(
    served: LanguageClient,
) -> None:
    result = await _context_at(
        served, "lib/report.js", "  return connections.map((deflate) => deflate.$0params);"
    )
    members = _member_text(result)
    assert "class Deflate" in members
    assert "this.params = null;" in members


async def test_an_import_list_offers_the_modules_names_the_file_uses_first(
    served: LanguageClient,
) -> None:
    result = await _context_at(served, "lib/logger.js", "  $0formattersSym")
    members = _member_text(result)
    # The list being completed no longer names `formattersSym`; the code below uses it.
    assert members.index("const formattersSym = Symbol.for('formatters');") < members.index(
        "const unusedSym = Symbol('unused');"
    )
    # Names the list holds already are not offered again.
    assert "const streamSym" not in members
