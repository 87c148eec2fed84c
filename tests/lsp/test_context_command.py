"""`report_context` and `fillin context FILE:LINE:COL`: the prompt report for a file on disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from context.document import Document
from context.pipeline import report_context
from context.settings import ContextSettings, IndexSettings, ModelSettings, Settings
from lsp_server.cli import main
from lsp_server.shapes import context_report_json
from lsp_server.standalone import Location, find_root, open_engine, parse_location


@pytest.fixture
def ledger(fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of py_layouts whose index goes to a temporary cache directory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "py_layouts"
    shutil.copytree(fixtures_dir / "repos" / "py_layouts", root)
    return root


def cursor(path: Path) -> tuple[int, int]:
    """The 1-based line and column of the `$0` marker, which is then removed."""
    text = path.read_text()
    before = text[: text.index("$0")]
    path.write_text(text.replace("$0", "", 1))
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


async def test_the_report_lists_sections_in_prompt_order(ledger: Path, tmp_path: Path) -> None:
    path = ledger / "src/ledger/reports/monthly.py"
    line, column = cursor(path)
    settings = Settings(
        model=ModelSettings(backend="llamacpp", template="starcoder"),
        context=ContextSettings(retrieval_timeout_ms=2000),
        index=IndexSettings(directory=str(tmp_path / "index")),
    )
    document = Document(path.as_uri(), path.read_text(), "python", None, path)
    offset = document.offset_at(line - 1, column - 1, "utf-32")
    async with open_engine(ledger, settings, with_index=True) as engine:
        report = await report_context(engine, document, offset)
    data = context_report_json(report)
    sources = [s["source"] for s in data["sections"]]
    assert sources[-2:] == ["prefix", "suffix"]
    assert "definition" in sources
    assert data["tokensUsed"] <= data["budgetTokens"] == 2048
    assert data["elapsedMs"] > 0
    # `formatting.|` is a module's member: its names come from the member source, the one
    # path for what follows a `.`.
    members = "".join(s["text"] for s in data["sections"] if s["source"] == "member")
    assert "def format_cents(amount_cents: int" in members
    assert data["prompt"].index("def format_cents") < data["prompt"].index("balance = formatting.")


def test_the_command_prints_json(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = ledger / "src/ledger/reports/monthly.py"
    line, column = cursor(path)
    status = main(["context", f"{path}:{line}:{column}", "--json", "--budget", "512"])
    assert status == 0
    data = json.loads(capsys.readouterr().out)
    keys = {"prompt", "sections", "redactions", "tokensUsed", "budgetTokens", "elapsedMs"}
    assert set(data) == keys | {"cost"}
    assert data["redactions"] == []
    assert data["budgetTokens"] == 512 and data["tokensUsed"] <= 512
    # A fresh server has nothing cached: all of the prompt is to be evaluated.
    cost = data["cost"]
    assert (cost["promptTokensEvaluated"], cost["promptTokensReused"]) == (data["tokensUsed"], 0)
    assert cost["firstTokenMs"] > 0
    section = data["sections"][-2]
    assert section["source"] == "prefix" and section["path"] == "src/ledger/reports/monthly.py"
    assert section["endLine"] == line
    assert set(section) == {"source", "path", "startLine", "endLine", "tokens", "text"}


def test_the_command_prints_sections_for_a_terminal(
    ledger: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ledger / "tools/cli/main.py"
    status = main(
        ["context", f"{path}:11:21", "--root", str(ledger), "--template", "qwen2.5-coder"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "── definition" in out
    assert "def parse_amount(text: str) -> int:" in out
    assert "<|fim_prefix|>" in out


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("nofile", "expected FILE:LINE:COL"),
        ("x.py:0:1", "line and column count from 1"),
        ("x.py:a:1", "expected FILE:LINE:COL"),
    ],
)
def test_a_bad_location_is_explained(
    location: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["context", location]) == 2
    assert message in capsys.readouterr().err


def test_a_position_outside_the_file_is_explained(
    ledger: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ledger / "tools/cli/helpers.py"
    assert main(["context", f"{path}:999:1"]) == 2
    assert "outside the document" in capsys.readouterr().err


def test_locations_and_roots_are_found(ledger: Path) -> None:
    assert parse_location("C:/a/b.py:3:4") == Location(Path("C:/a/b.py"), 3, 4)
    assert find_root(ledger / "src/ledger/accounts.py") == ledger
