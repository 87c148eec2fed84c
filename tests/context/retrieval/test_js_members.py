"""Member context in JavaScript and TypeScript where no declaration names the receiver's type.

Real tree-sitter and SQLite over the `js_members` fixture repository: a CommonJS object
literal whose `this.` members live in other files' `module.exports = {...}` objects, and a
TypeScript barrel (`export * from`) reached through a namespace import. Each case removes
the rest of a marked line, retrieves context as the server does, and checks what the
"member" source offered and what reached the prompt.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from context.prompt.assemble import build_prompt
from context.prompt.templates import TEMPLATES
from context.retrieval.named_members import receiver_uses
from context.retrieval.retrieve import retrieve_sync
from context.settings import ContextSettings, IndexSettings
from context.snippet import Snippet
from context.workspace import Workspace
from tests.context.retrieval.test_members import hole

TEMPLATE = TEMPLATES["qwen2.5-coder"]
SETTINGS = ContextSettings(max_prompt_tokens=2048, retrieval_timeout_ms=2000)


@pytest.fixture(scope="module")
def workspace(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("repos") / "js_members"
    shutil.copytree(fixtures_dir / "repos" / "js_members", root)
    opened = Workspace(root, IndexSettings(directory=str(root.parent / "index")))
    opened.refresh()
    yield opened
    opened.close()


def members(
    workspace: Workspace, path: str, marked_line: str, source: str = "member"
) -> tuple[list[Snippet], str]:
    """The snippets of `source` at the hole, and the context part of its prompt."""
    document, offset = hole(workspace, path, marked_line)
    snippets = retrieve_sync(document, offset, workspace, SETTINGS)
    prompt = build_prompt(document, offset, SETTINGS, TEMPLATE, snippets, path=path)
    context = "".join(s.text for s in prompt.sections if s.source not in ("prefix", "suffix"))
    return [s for s in snippets if s.source == source], context


def listed_lines(found: list[Snippet]) -> list[str]:
    """Every line the snippets list, without its indentation."""
    return [line.strip() for s in found for line in s.text.splitlines()]


def definitions(workspace: Workspace, path: str, marked_line: str) -> tuple[list[Snippet], str]:
    """The definition source's snippets at the hole, and the context part of its prompt."""
    return members(workspace, path, marked_line, "definition")


def test_this_in_an_object_literal_gets_the_members_the_file_uses_on_it(
    workspace: Workspace,
) -> None:
    found, context = members(workspace, "lib/context.js", "    if (this.$0headerSent) return")
    listed = {(s.path, line) for s in found for line in s.text.splitlines()}
    # `this.headerSent` and `this.redirect(...)` are used elsewhere in the file, `this.secure`
    # too; each is defined once, in another file's `module.exports` object.
    assert ("lib/response.js", "get headerSent ()") in listed
    assert ("lib/response.js", "redirect (url, alt)") in listed
    assert ("lib/request.js", "get secure ()") in listed
    # The file's own `toJSON` is in the prompt already; it is not repeated.
    assert all(s.path != "lib/context.js" for s in found)
    assert "get headerSent ()" in context


def test_a_typed_prefix_keeps_only_the_used_members_it_starts(workspace: Workspace) -> None:
    found, _ = members(
        workspace, "lib/context.js", "    return { secure: this.secure, sent: this.head$0erSent }"
    )
    lines = [line for s in found for line in s.text.splitlines()]
    assert lines == ["get headerSent ()"]


def test_a_namespace_import_of_a_barrel_reaches_the_files_it_reexports(
    workspace: Workspace,
) -> None:
    found, context = members(
        workspace, "ts/classic/api.ts", "  return core.$0checkPattern(value, /^[a-z]+$/);"
    )
    listed = {(s.path, line) for s in found for line in s.text.splitlines()}
    # One and two `export * from` levels below the barrel; `export * as extra` binds one
    # name (a submodule), not its members.
    assert (
        "ts/core/checks.ts",
        "export function checkPattern(value: string, pattern: RegExp): boolean",
    ) in listed
    assert (
        "ts/core/lengths.ts",
        "export function checkMaxLength(value: string, max: number): boolean",
    ) in listed
    assert not any("extraOnly" in line for _, line in listed)
    assert "export function checkPattern(value: string, pattern: RegExp): boolean" in context


def test_members_used_on_the_same_receiver_rank_first(workspace: Workspace) -> None:
    found, _ = members(
        workspace, "ts/classic/api.ts", "  return core.$0checkPattern(value, /^[a-z]+$/);"
    )
    # `core.SchemaDef`, `core.makeSchema` and `core.checkMaxLength` are used in the file;
    # `checkPattern` is not (its one use is the hole), so its file comes last.
    assert [s.path for s in found] == [
        "ts/core/schemas.ts",
        "ts/core/lengths.ts",
        "ts/core/checks.ts",
    ]


def test_receiver_uses_count_the_same_receiver_only_and_skip_the_cursor() -> None:
    text = "a.b.x(); a.b.y(); c.b.z(); a . b?.x; a.b.w"
    assert receiver_uses(text, len(text), "a.b.") == {"x": 6, "y": 3}


def test_an_object_built_member_by_member_brings_the_members_the_file_uses(
    workspace: Workspace,
) -> None:
    found, context = definitions(
        workspace, "lib/fetch.js", "    $0webidl.brandCheck(this, Fetch, 'body')"
    )
    listed = [line for s in found if s.path == "lib/webidl.js" for line in s.text.splitlines()]
    assert "const webidl =" in listed
    assert "webidl.brandCheck = function (V, I)" in listed
    assert "webidl.converters.DOMString = function (V, prefix)" in listed
    # A member the file never names stays out: the object may have hundreds.
    assert not any("neverUsed" in line for line in listed)
    assert "webidl.brandCheck = function (V, I)" in context


def test_an_import_not_used_yet_is_listed_before_those_in_use(workspace: Workspace) -> None:
    found, context = definitions(
        workspace, "lib/fetch.js", "    const handle = $0makeResource({}, () => this.close())"
    )
    order = [s.path for s in found]
    # `tidy` is used all over the file; `makeResource` only in its import: it was imported
    # for the code about to be written.
    assert order.index("lib/resources.js") < order.index("lib/helpers.js")
    assert "function makeResource (thing, dispose)" in context


@pytest.mark.parametrize(
    "marked_line",
    ["    return 'Usage: ' + cmd.$0usage()", "    return command.$0usage().toUpperCase()"],
    ids=["typedef", "inline import"],
)
def test_a_type_that_jsdoc_imports_gives_the_parameter_its_members(
    workspace: Workspace, marked_line: str
) -> None:
    # help.js has no `require("./command.js")`: only its doc comments import the type.
    found, context = members(workspace, "lib/help.js", marked_line)
    assert [s.path for s in found] == ["lib/command.js"]
    assert found[0].text.startswith("class Command")
    assert "usage (str)" in context


@pytest.mark.parametrize(
    ("marked_line", "expected"),
    [
        (
            "  return Reporter.$0buildReporter(runner, { diff })",
            "function buildReporter (runner, options)",
        ),
        ("  Reporter.$0consoleLog(diff)", "var consoleLog = console.log"),
        (
            "  const diff = Reporter.$0generateDiff(failure.actual, failure.expected)",
            "Reporter.generateDiff = function (actual, expected)",
        ),
    ],
    ids=["module.exports alias", "static alias", "static function"],
)
def test_a_constructor_lists_the_static_members_assigned_after_it(
    workspace: Workspace, marked_line: str, expected: str
) -> None:
    found, context = members(workspace, "lib/spec.js", marked_line)
    listed = listed_lines(found)
    assert expected in listed
    # A function of the file that is never assigned onto the constructor is no member.
    assert "function neverAssigned ()" not in listed
    assert expected in context


@pytest.mark.parametrize(
    ("marked_line", "expected"),
    [
        ("    exposeHeadRoute: opts.$0exposeHeadRoute,", "this.exposeHeadRoute = exposeHeadRoute"),
        ("  config.bodyLimit = opts.$0bodyLimit", "this.bodyLimit = bodyLimit"),
    ],
    ids=["object key", "member assignment"],
)
def test_an_untyped_option_copied_to_a_namesake_gets_that_member_first(
    workspace: Workspace, marked_line: str, expected: str
) -> None:
    # `opts` has no type, and routes.js never uses `opts.exposeHeadRoute` elsewhere: the
    # name the value is given to is the evidence.
    found, context = members(workspace, "lib/routes.js", marked_line)
    first = found[0].text.splitlines()
    assert found[0].path == "lib/route-context.js"
    assert first[0] == expected
    assert expected in context


def test_a_class_named_itself_lists_its_static_members_only(workspace: Workspace) -> None:
    found, context = members(workspace, "lib/routes.js", "  return RouteContext.$0fromRoute(route)")
    listed = listed_lines(found)
    assert "static fromRoute (route)" in listed
    # `RouteContext.describe()` and `RouteContext.schema` need an instance.
    assert "describe ()" not in listed
    assert "this.schema = schema" not in listed
    assert "static fromRoute (route)" in context


def test_a_computed_key_gets_the_members_read_after_that_key_elsewhere(
    workspace: Workspace,
) -> None:
    found, context = members(
        workspace, "lib/slots.js", "  if (reply[kContext].$0exposeHeadRoute) return null"
    )
    listed = listed_lines(found)
    # slots.js reads `request[kContext].exposeHeadRoute` and `.bodyLimit` elsewhere.
    assert "this.exposeHeadRoute = exposeHeadRoute" in listed
    assert "this.bodyLimit = bodyLimit" in listed
    assert "this.exposeHeadRoute = exposeHeadRoute" in context


def test_a_required_constructor_brings_the_static_members_the_file_uses(
    workspace: Workspace,
) -> None:
    found, context = definitions(workspace, "lib/spec.js", "  $0Reporter.consoleLog(diff)")
    listed = [line for s in found if s.path == "lib/reporter.js" for line in listed_lines([s])]
    assert "function Reporter (runner)" in listed
    # spec.js names `Reporter.consoleLog` and `Reporter.generateDiff` on other lines.
    assert "var consoleLog = console.log" in listed
    assert "Reporter.generateDiff = function (actual, expected)" in listed
    assert "function neverAssigned ()" not in listed
    assert "var consoleLog = console.log" in context
