"""Member context at `expr.|` and `expr::|`: the receiver's type, found from what the code says.

Each case names a line of the `receivers` fixture repository with the cursor marked `$0`; the
test removes the rest of that line (the code the model has to write), retrieves context as the
server does and checks that the member's signature reaches the repository part of the prompt,
and that the "member" source offered it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from context.document import Document
from context.prompt.assemble import build_prompt
from context.prompt.templates import TEMPLATES
from context.retrieval.retrieve import retrieve_sync
from context.settings import ContextSettings, IndexSettings
from context.snippet import Snippet
from context.workspace import Workspace

CURSOR = "$0"
TEMPLATE = TEMPLATES["qwen2.5-coder"]
REPO = "receivers"


@dataclass(frozen=True)
class Case:
    """A cursor after a receiver and the member signature the prompt must show."""

    description: str
    path: str
    marked_line: str
    expected: str


CASES = [
    Case(
        "Python parameter annotated with a class of another module",
        "py/engine/runner.py",
        "        return state.$0advance(len(chunk))",
        "def advance(self, steps: int) -> int:",
    ),
    Case(
        "Python attribute assigned a constructor in __init__",
        "py/engine/runner.py",
        "        chunk = self.source.$0read_chunk(16)",
        "def read_chunk(self, size: int) -> bytes:",
    ),
    Case(
        "Python method inherited from a mixin in another file",
        "py/engine/runner.py",
        "        saved = state.$0snapshot()",
        "def snapshot(self) -> dict[str, int]:",
    ),
    Case(
        "Python variable assigned from a function's return annotation",
        "py/engine/runner.py",
        "        return state.$0advance(1)",
        "def advance(self, steps: int) -> int:",
    ),
    Case(
        "Python variable assigned from a method call's return annotation",
        "py/engine/runner.py",
        "        current.$0rewind()",
        "def rewind(self) -> None:",
    ),
    Case(
        "Python loop variable over a parameter annotated list[SomeState]",
        "py/engine/runner.py",
        "            each.$0rewind()",
        "def rewind(self) -> None:",
    ),
    Case(
        "Go range variable over a package function's []*Store",
        "go/app/app.go",
        "\t\tsizes = append(sizes, len(s.$0Keys()))",
        "func (s *Store) Keys() []string",
    ),
    Case(
        "Go struct field of an imported package's type, method in a sibling file",
        "go/app/app.go",
        "\tn, _ := a.db.$0Lookup(normalize(key))",
        "func (s *Store) Lookup(key string) (int, bool)",
    ),
    Case(
        "Go package function in the package folder's second file",
        "go/app/app.go",
        "\treturn n + store.$0Count(a.db)",
        "func Count(s *Store) int",
    ),
    Case(
        "Go package function, typed prefix",
        "go/app/app.go",
        "\treturn n + store.Co$0unt(a.db)",
        "func Count(s *Store) int",
    ),
    Case(
        "Rust module path to a function",
        "rust/src/engine.rs",
        "        let n = parser::$0parse_number(text).unwrap_or(0);",
        "pub fn parse_number(text: &str) -> Option<i64>",
    ),
    Case(
        "Rust path from the crate root to a module's function",
        "rust/src/cli.rs",
        "    crate::parser::$0parse_number(lines.first()?)",
        "pub fn parse_number(text: &str) -> Option<i64>",
    ),
    Case(
        "Rust macro body's $crate:: path",
        "rust/src/cli.rs",
        "        $crate::parser::$0parse_number($text)",
        "pub fn parse_number(text: &str) -> Option<i64>",
    ),
    Case(
        "Rust macro body's $crate:: alone: the crate root's names",
        "rust/src/cli.rs",
        "        $crate::$0Level::Quiet",
        "pub enum Level",
    ),
    Case(
        "Rust self.field (self. is the receiver, not the module self::)",
        "rust/src/cli.rs",
        "        self.engine.$0feed(text)",
        "pub fn feed(&mut self, text: &str) -> i64",
    ),
    Case(
        "Rust variable from Type::new(), method in an impl block",
        "rust/src/cli.rs",
        "        last = engine.$0feed(line);",
        "pub fn feed(&mut self, text: &str) -> i64",
    ),
    Case(
        "TypeScript parameter type, method inherited from a base class in another file",
        "ts/src/main.ts",
        "  service.$0dispose();",
        "dispose(): void",
    ),
    Case(
        "JavaScript parameter typed by JSDoc, class of another file",
        "js/lib/command.js",
        "  option.$0makeOptionMandatory(required);",
        "makeOptionMandatory(mandatory = true)",
    ),
    Case(
        "TypeScript parameter type, own method, typed prefix",
        "ts/src/main.ts",
        "  const names = await service.fe$0tchAll(10);",
        "async fetchAll(limit: number): Promise<string[]>",
    ),
]


@pytest.fixture(scope="module")
def workspace(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """An indexed copy of the fixture, with a Python class of 150 methods added."""
    root = tmp_path_factory.mktemp("repos") / REPO
    shutil.copytree(fixtures_dir / "repos" / REPO, root)
    methods = "".join(
        f"    def op_{idx:03d}(self, value: int) -> int:\n        return value + {idx}\n\n"
        for idx in range(150)
    )
    (root / "py" / "engine" / "big.py").write_text(
        f'"""A type with many methods."""\n\n\nclass Big:\n{methods}', encoding="utf-8"
    )
    (root / "py" / "engine" / "use_big.py").write_text(
        "from engine.big import Big\n\n\ndef use(big: Big) -> int:\n"
        "    big.op_120(1)\n    return big.op_1$0\n",
        encoding="utf-8",
    )
    opened = Workspace(root, IndexSettings(directory=str(root.parent / "index")))
    opened.refresh()
    yield opened
    opened.close()


def hole(workspace: Workspace, path: str, marked_line: str) -> tuple[Document, int]:
    """The file with the rest of the marked line removed, and the cursor."""
    full = workspace.root / path
    text = full.read_text(encoding="utf-8")
    if not marked_line:
        offset = text.index(CURSOR)
        text = text[:offset] + text[text.find("\n", offset) :]
    else:
        line = marked_line.replace(CURSOR, "")
        line_start = text.index(line)
        offset = line_start + marked_line.index(CURSOR)
        text = text[:offset] + text[line_start + len(line) :]
    return Document(full.as_uri(), text, path=full), offset


def member_snippets(snippets: list[Snippet]) -> list[Snippet]:
    return [s for s in snippets if s.source == "member"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.description)
def test_the_receivers_member_reaches_the_prompt(case: Case, workspace: Workspace) -> None:
    document, offset = hole(workspace, case.path, case.marked_line)
    settings = ContextSettings(max_prompt_tokens=2048, retrieval_timeout_ms=2000)
    snippets = retrieve_sync(document, offset, workspace, settings)
    members = member_snippets(snippets)
    assert members, "the member source found no receiver type"
    assert any(case.expected in s.text for s in members)
    prompt = build_prompt(document, offset, settings, TEMPLATE, snippets, path=case.path)
    context = "".join(s.text for s in prompt.sections if s.source not in ("prefix", "suffix"))
    assert case.expected in context


def test_a_big_type_shows_the_members_that_match_the_typed_prefix(workspace: Workspace) -> None:
    document, offset = hole(workspace, "py/engine/use_big.py", "")
    settings = ContextSettings(retrieval_timeout_ms=2000)
    members = member_snippets(retrieve_sync(document, offset, workspace, settings))
    assert members
    listed = [line.strip() for line in members[0].text.splitlines()[1:]]
    # The one used before comes first, then the others starting with `op_1`, never `op_000`.
    assert listed[0].startswith("def op_120(")
    assert all(line.startswith("def op_1") for line in listed)
    assert len(listed) > 10


def test_sources_without_member_leave_the_member_source_out(workspace: Workspace) -> None:
    document, offset = hole(workspace, CASES[0].path, CASES[0].marked_line)
    settings = ContextSettings(sources=("definition", "scope"), retrieval_timeout_ms=2000)
    assert not member_snippets(retrieve_sync(document, offset, workspace, settings))


def test_a_one_millisecond_deadline_keeps_the_members_and_definitions(
    workspace: Workspace,
) -> None:
    document, offset = hole(workspace, CASES[1].path, CASES[1].marked_line)
    settings = ContextSettings(retrieval_timeout_ms=1, sources=("member", "definition"))
    first = retrieve_sync(document, offset, workspace, settings)
    again = retrieve_sync(document, offset, workspace, settings)
    assert any(CASES[1].expected in s.text for s in member_snippets(first))
    assert any(s.source == "definition" for s in first)
    assert [(s.path, s.text) for s in first] == [(s.path, s.text) for s in again]


def test_a_go_same_package_function_reaches_the_prompt_without_an_import(
    workspace: Workspace,
) -> None:
    path = "go/app/app.go"
    document, offset = hole(workspace, path, "\tn, _ := a.db.Lookup($0normalize(key))")
    settings = ContextSettings(retrieval_timeout_ms=2000)
    snippets = retrieve_sync(document, offset, workspace, settings)
    prompt = build_prompt(document, offset, settings, TEMPLATE, snippets, path=path)
    listed = [s for s in snippets if s.source == "definition" and s.path == "go/app/helpers.go"]
    assert listed
    assert "func normalize(key string) string" in prompt.text
