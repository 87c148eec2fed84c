"""Retrieval on the fixture repositories: the cross-file definition reaches the prompt.

Each case names a line of a fixture file with the cursor marked `$0`; the test opens the file
with the rest of that line removed (the code the model has to write), retrieves context as
the server does, builds the prompt and checks that the definition's signature is in the
repository part of it, within the budget.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from context.document import Document, TextChange
from context.prompt.assemble import Prompt, build_prompt
from context.prompt.templates import TEMPLATES
from context.retrieval.retrieve import retrieve, retrieve_sync
from context.settings import ContextSettings, IndexSettings
from context.workspace import Workspace

CURSOR = "$0"
TEMPLATE = TEMPLATES["qwen2.5-coder"]


@dataclass(frozen=True)
class Case:
    """A cursor in a fixture file and the signature the prompt must show."""

    repo: str
    path: str
    marked_line: str
    """The line as it stands in the file, with `$0` where the cursor goes; "" when the
    file itself holds the marker."""
    expected: str


CASES = [
    Case(
        "py_shop",
        "shop/checkout.py",
        "        amount = $0total_with_tax(cart, country, discount)",
        "def total_with_tax(cart: Cart, country: str",
    ),
    Case("py_shop", "shop/checkout.py", "    fresh = $0Cart(owner=cart.owner)", "class Cart:"),
    Case(
        "py_shop",
        "shop/checkout.py",
        "        fresh.add_item($0client.fetch_item(item.sku), quantity)",
        "def fetch_item(self, sku: str) -> Item:",
    ),
    Case("py_layouts", "src/ledger/reports/monthly.py", "", "def format_cents(amount_cents: int"),
    Case(
        "py_layouts",
        "tools/cli/main.py",
        "    account.deposit($0parse_amount(sys.argv[2]))",
        "def parse_amount(text: str) -> int:",
    ),
    Case(
        "js_app",
        "src/index.js",
        "  const discounted = $0applyDiscount(cart, 10);",
        "function applyDiscount(cart, percent)",
    ),
    Case(
        "js_app",
        "src/index.js",
        '  res.send($0formatPrice(totalWithTax(cart, "DE", 10) + discounted * 0));',
        "formatPrice",
    ),
    Case(
        "ts_app",
        "src/index.ts",
        "  const users: User[] = await client.$0listUsers(50);",
        "listUsers(limit",
    ),
    Case("ts_paths", "src/app/main.ts", "", "function addMoney(a: Money, b: Money): Money"),
    Case("go_svc", "cmd/server/main.go", "\ts := store.$0NewStore()", "func NewStore() *Store"),
    Case(
        "rust_lib",
        "src/report/summary.rs",
        "    Summary { n_skus: inventory.$0items().count(), value_cents: inventory.value_cents() }",
        "pub fn items(&self)",
    ),
    Case(
        "java_app",
        "src/main/java/com/acme/shop/App.java",
        '        long total = pricing.$0totalWithTax(cart, "DE", 10.0);',
        "public long totalWithTax(Cart cart, String country, double percent)",
    ),
    Case(
        "c_proj",
        "src/main.c",
        "        $0vec_push(v, (double)i);",
        "int vec_push(vec_t *v, double value);",
    ),
    Case(
        "cpp_proj",
        "src/main.cpp",
        '    fmt::print("total area: {:.2f}\\n", geometry::$0total_area(shapes));',
        "double total_area(const std::vector<const Shape*>& shapes)",
    ),
]


@pytest.fixture(scope="module")
def workspaces(
    fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Workspace]]:
    """One indexed copy of each fixture repository the cases use."""
    base = tmp_path_factory.mktemp("repos")
    opened: dict[str, Workspace] = {}
    for repo in sorted({case.repo for case in CASES}):
        root = base / repo
        shutil.copytree(fixtures_dir / "repos" / repo, root)
        workspace = Workspace(root, IndexSettings(directory=str(base / "index")))
        workspace.refresh()
        opened[repo] = workspace
    yield opened
    for workspace in opened.values():
        workspace.close()


def hole(workspace: Workspace, case: Case) -> tuple[Document, int]:
    """The case's document with the rest of the marked line removed, and the cursor."""
    path = workspace.root / case.path
    text = path.read_text(encoding="utf-8")
    if not case.marked_line:
        offset = text.index(CURSOR)
        line_end = text.find("\n", offset)
        text = text[:offset] + text[line_end:]
    else:
        line = case.marked_line.replace(CURSOR, "")
        line_start = text.index(line)
        offset = line_start + case.marked_line.index(CURSOR)
        text = text[:offset] + text[line_start + len(line) :]
    return Document(path.as_uri(), text, path=path), offset


def context_text(prompt: Prompt) -> str:
    """The repository part of a prompt: every section that is not the current file."""
    return "".join(s.text for s in prompt.sections if s.source not in ("prefix", "suffix"))


@pytest.mark.parametrize("budget", [1024, 2048])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.repo}:{c.path}:{c.expected[:24]}")
def test_the_cross_file_definition_reaches_the_prompt(
    case: Case, budget: int, workspaces: dict[str, Workspace]
) -> None:
    workspace = workspaces[case.repo]
    document, offset = hole(workspace, case)
    settings = ContextSettings(max_prompt_tokens=budget, retrieval_timeout_ms=2000)
    snippets = retrieve_sync(document, offset, workspace, settings)
    prompt = build_prompt(document, offset, settings, TEMPLATE, snippets, path=case.path)
    assert case.expected in context_text(prompt)
    assert prompt.n_tokens <= budget
    prefix, suffix = prompt.sections[-2:]
    for snippet in prompt.snippets:
        if snippet.path == case.path:
            # A snippet of the current file is kept only when it is mostly outside the window.
            inside = min(snippet.end_line, suffix.end_line) - max(
                snippet.start_line, prefix.start_line
            )
            assert (inside + 1) * 2 <= snippet.end_line - snippet.start_line + 1


async def test_retrieve_runs_off_the_event_loop_and_agrees_with_the_sync_variant(
    workspaces: dict[str, Workspace],
) -> None:
    workspace = workspaces["py_shop"]
    document, offset = hole(workspace, CASES[0])
    settings = ContextSettings(retrieval_timeout_ms=2000)
    found = await retrieve(document, offset, workspace, settings)
    assert [s.path for s in found] == [
        s.path for s in retrieve_sync(document, offset, workspace, settings)
    ]
    assert await retrieve(document, offset, None, settings) == []
    off = ContextSettings(repository=False)
    assert await retrieve(document, offset, workspace, off) == []


def test_every_snippet_is_whole_lines_labelled_with_a_workspace_path(
    workspaces: dict[str, Workspace],
) -> None:
    for case in CASES:
        workspace = workspaces[case.repo]
        document, offset = hole(workspace, case)
        settings = ContextSettings(retrieval_timeout_ms=2000)
        for snippet in retrieve_sync(document, offset, workspace, settings):
            assert (workspace.root / snippet.path).is_file()
            assert snippet.text.endswith("\n")
            assert 0 <= snippet.start_line <= snippet.end_line


def test_sources_can_be_chosen(workspaces: dict[str, Workspace]) -> None:
    workspace = workspaces["py_shop"]
    document, offset = hole(workspace, CASES[0])
    only = ContextSettings(sources=("similar",), retrieval_timeout_ms=2000)
    assert {s.source for s in retrieve_sync(document, offset, workspace, only)} == {"similar"}
    none = ContextSettings(sources=(), retrieval_timeout_ms=2000)
    assert retrieve_sync(document, offset, workspace, none) == []


def test_a_broken_index_yields_no_definitions_but_never_fails(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    root = tmp_path / "py_shop"
    shutil.copytree(fixtures_dir / "repos" / "py_shop", root)
    workspace = Workspace(root, IndexSettings(directory=str(tmp_path / "index")))
    workspace.refresh()
    document, offset = hole(workspace, CASES[0])
    workspace.store.close()
    found = retrieve_sync(document, offset, workspace, ContextSettings(retrieval_timeout_ms=2000))
    assert all(s.source != "definition" for s in found)


def test_recent_edits_in_other_files_are_offered(fixtures_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "py_shop"
    shutil.copytree(fixtures_dir / "repos" / "py_shop", root)
    workspace = Workspace(root, IndexSettings(directory=str(tmp_path / "index")))
    try:
        workspace.refresh()
        pricing_path = root / "shop" / "pricing.py"
        pricing = Document(
            pricing_path.as_uri(), pricing_path.read_text(), "python", 1, pricing_path
        )
        workspace.open_document(pricing)
        added = "\n\ndef loyalty_bonus(points: int) -> float:\n    return points / 100\n"
        change = TextChange(len(pricing.text), len(pricing.text), added)
        workspace.change_document(pricing.with_text(change.apply(pricing.text), 2), [change])
        document, offset = hole(workspace, CASES[1])
        settings = ContextSettings(sources=("recent",), retrieval_timeout_ms=2000)
        found = retrieve_sync(document, offset, workspace, settings)
        assert [s.path for s in found] == ["shop/pricing.py"]
        assert "def loyalty_bonus(points: int) -> float:" in found[0].text
    finally:
        workspace.close()


IGNORED_REPO = {
    ".gitignore": "secrets/\n",
    ".fillinignore": "private_notes.py\n",
    "app/__init__.py": "",
    "app/settings.py": (
        "from secrets.keys import API_TOKEN\nfrom private_notes import NOTE_SECRET\n"
    ),
    "app/main.py": (
        "from app.settings import API_TOKEN, NOTE_SECRET\n"
        "from secrets.keys import token_for\n\n\n"
        "def call() -> str:\n    return $0\n"
    ),
    "secrets/keys.py": (
        "API_TOKEN = 'sk-live-0123'\n\n\ndef token_for(name: str) -> str:\n    return API_TOKEN\n"
    ),
    "private_notes.py": "NOTE_SECRET = 'do not share'\n",
}


def test_ignored_files_never_enter_the_prompt(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for rel, text in IGNORED_REPO.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    workspace = Workspace(root, IndexSettings(directory=str(tmp_path / "index")))
    try:
        workspace.refresh()
        # The user has the ignored files open and is editing them: still nothing leaks.
        for rel in ("secrets/keys.py", "private_notes.py"):
            path = root / rel
            opened = Document(path.as_uri(), path.read_text(), "python", 1, path)
            workspace.open_document(opened)
            change = TextChange(0, 0, "# edited\n")
            workspace.change_document(opened.with_text(change.apply(opened.text), 2), [change])
        main = root / "app" / "main.py"
        marked = main.read_text()
        offset = marked.index(CURSOR)
        document = Document(main.as_uri(), marked.replace(CURSOR, ""), "python", 1, main)
        workspace.open_document(document)
        settings = ContextSettings(retrieval_timeout_ms=2000)
        found = retrieve_sync(document, offset, workspace, settings)
        prompt = build_prompt(document, offset, settings, TEMPLATE, found, path="app/main.py")
        assert found, "retrieval found nothing at all, so the test proves nothing"
        assert all(s.path.startswith("app/") for s in found)
        assert "sk-live" not in prompt.text
        assert "do not share" not in prompt.text
        assert "def token_for" not in prompt.text
    finally:
        workspace.close()
