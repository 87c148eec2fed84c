"""Member context in TypeScript through type aliases and a signature's own parameters.

Real tree-sitter and SQLite over the `ts_types` fixture repository: a receiver typed with a
union alias (`state: AnyState`, `type AnyState = ObjectState | MapState`) or an alias to an
object type (`type Listener = { ... }`), a parameter whose name a function type in the same
signature also uses (`(r: Listener) => void` beside a local `const r = new Reaction()`), and
a parameter typed by a type parameter's constraint (`<A extends Annotation>(decorator: A)`).
Each case removes the rest of a marked line, retrieves context as the server does, and
checks what the "member" source offered.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from context.retrieval.retrieve import retrieve_sync
from context.retrieval.ts_types import guard_call, parameter_type
from context.settings import ContextSettings, IndexSettings
from context.workspace import Workspace
from tests.context.retrieval.test_members import hole

SETTINGS = ContextSettings(max_prompt_tokens=2048, retrieval_timeout_ms=2000)


@pytest.fixture(scope="module")
def workspace(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("repos") / "ts_types"
    shutil.copytree(fixtures_dir / "repos" / "ts_types", root)
    opened = Workspace(root, IndexSettings(directory=str(root.parent / "index")))
    opened.refresh()
    yield opened
    opened.close()


def member_lines(workspace: Workspace, path: str, marked_line: str) -> list[str]:
    """The lines of the member source's snippets at the hole, stripped."""
    document, offset = hole(workspace, path, marked_line)
    snippets = retrieve_sync(document, offset, workspace, SETTINGS)
    return [line.strip() for s in snippets if s.source == "member" for line in s.text.splitlines()]


def test_a_union_alias_has_the_members_of_each_of_its_types(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/finalize.ts", "\tstate.$0revoke_()")
    # `revoke_` is ObjectState's own, `drafts_` MapState's, `finalized_` their base's.
    assert "revoke_(): void" in lines
    assert "drafts_: Map<unknown, unknown>" in lines
    assert "finalized_: boolean" in lines


def test_a_member_of_a_union_alias_member_is_followed(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/finalize.ts", "\tstate.scope_.$0unfinishedDrafts_--")
    assert "unfinishedDrafts_: number = 0" in lines


def test_an_alias_to_an_object_type_has_its_properties(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/finalize.ts", '\tlistener.$0notifyListener("changed")')
    assert "notifyListener(event: string): void" in lines
    assert "readonly listenerCount: number" in lines


def test_a_function_types_parameter_does_not_type_a_local_namesake(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/finalize.ts", "\treturn r.$0getDisposer_()")
    # `r` is the `Reaction` made in the body, not the `(r: Listener) => void` parameter's.
    assert "getDisposer_(): () => void" in lines
    assert "notifyListener(event: string): void" not in lines


def test_a_type_parameter_stands_for_its_constraint(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/finalize.ts", "\treturn decorator.$0extend_(target)")
    assert "extend_(target: object): boolean" in lines


@pytest.mark.parametrize(
    ("signature", "name", "expected"),
    [
        ("function f(expression: (r: Listener) => T, opts: Options = {})", "r", None),
        ("function f(expression: (r: Listener) => T, opts: Options = {})", "opts", "Options"),
        ("function f<T extends Base>(x: T, y?: Map<A, B>)", "x", "Base"),
        ("function f<T extends Base>(x: T, y?: Map<A, B>)", "y", "Map<A, B>"),
        ("constructor(private readonly store: Store, ...rest: Item[])", "store", "Store"),
        ("constructor(private readonly store: Store, ...rest: Item[])", "rest", "Item[]"),
        ("export let latest = (state: AnyState): any", "state", "AnyState"),
        ("get(state, prop)", "state", None),
        ("m(callback: () => void, scope: Scope)", "scope", "Scope"),
        ("broken(a: (b: C", "b", None),
    ],
)
def test_parameter_type_reads_only_the_signatures_own_parameters(
    signature: str, name: str, expected: str | None
) -> None:
    assert parameter_type(signature, name) == expected


def definition_lines(workspace: Workspace, path: str, marked_line: str) -> list[str]:
    """The lines of the definition source's snippets at the hole, stripped."""
    document, offset = hole(workspace, path, marked_line)
    snippets = retrieve_sync(document, offset, workspace, SETTINGS)
    return [
        line.strip() for s in snippets if s.source == "definition" for line in s.text.splitlines()
    ]


def test_a_module_variables_type_lists_the_members_the_file_uses(workspace: Workspace) -> None:
    # Nothing is typed after `globalState` yet: the members this file uses on it stand in.
    lines = definition_lines(
        workspace, "src/batch.ts", "\t$0globalState.spyListeners.push(listener)"
    )
    assert "inBatch: number = 0" in lines
    assert "spyListeners: (() => void)[] = []" in lines
    assert "resetCounters(): void" in lines
    assert "neverUsedHere = false" not in lines


def test_a_module_variable_made_by_new_lists_its_classs_used_members(
    workspace: Workspace,
) -> None:
    lines = definition_lines(
        workspace,
        "src/batch.ts",
        "\treturn globalState.spyListeners.length > 0 && $0registry.entries_.size > 0",
    )
    assert "register(name: string, value: object): void" in lines


def test_the_members_used_past_a_field_of_the_receiver_follow_it(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/load.ts", "\t\trouter.$0stores.setMatches(next)")
    # `router.stores.status` and `router.stores.matches` elsewhere in the file: the line
    # may go on past `stores`, into what `Stores` offers.
    assert "stores!: Stores<Route>" in lines
    assert "export interface Stores<TTree extends Route> {" in lines
    assert "matches: Array<string>" in lines
    assert "status: string" in lines
    # A type parameter's constraint is no base: `Route`'s members are not `Stores`'.
    assert "routeOnlyMember_: number" not in lines


def test_a_non_null_assertion_keeps_the_receivers_type(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/load.ts", "\treturn router!.$0load()")
    assert "load(): void" in lines


def test_a_cast_at_the_end_of_the_value_states_the_type(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/casts.ts", "\treturn handler.$0extend_(target)")
    assert "extend_(target: object): boolean" in lines


def test_a_union_annotation_has_the_members_of_each_type(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/casts.ts", "\treturn source?.$0listenerCount")
    assert "revoke_(): void" in lines
    assert "readonly listenerCount: number" in lines


def test_a_nested_arrow_functions_optional_parameter_is_typed(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/load.ts", "\t\treturn current?.$0latest")
    assert "latest?: Route" in lines


def test_constructor_parameter_properties_are_fields(workspace: Workspace) -> None:
    listed = member_lines(workspace, "src/load.ts", "\tloader.$0run()")
    assert "public router: Router" in listed
    assert "private readonly base: string" in listed
    # A plain constructor parameter declares no field.
    assert all("plain" not in line for line in listed)
    followed = member_lines(workspace, "src/load.ts", "\treturn loader.router.$0load()")
    assert "load(): void" in followed


def test_a_type_guards_test_narrows_the_value(workspace: Workspace) -> None:
    lines = member_lines(workspace, "src/casts.ts", "\t\treturn value.$0getDisposer_()")
    assert "getDisposer_(): () => void" in lines


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("if (isReaction(value)) {", "isReaction"),
        ("if (ready && isReaction(value) && done) {", "isReaction"),
        ("if (!isReaction(value)) {", None),
        ("if (isReaction(other)) {", None),
        ("if (isA(value)) {}\nif (isB(value)) {", "isB"),
    ],
)
def test_guard_call_finds_the_last_positive_test(body: str, expected: str | None) -> None:
    assert guard_call(body, "value") == expected
