"""`fillin index`: builds, then refreshes, a folder's index and prints its numbers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from lsp_server.cli import main


def test_index_command_builds_then_refreshes(
    copy_repo: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_repo("rust_lib")
    db = tmp_path / "cli.sqlite3"
    assert main(["index", str(root), "--db", str(db)]) == 0
    first = capsys.readouterr().out
    assert re.search(r"^files\s+5 \(5 parsed, 0 unchanged, 0 removed\)$", first, re.M)
    n_symbols = int(re.search(r"^symbols\s+(\d+)$", first, re.M).group(1))  # type: ignore[union-attr]
    assert n_symbols > 20
    assert re.search(r"^speed\s+\d+ files/s, [\d.]+ MB/s$", first, re.M)

    (root / "src" / "error.rs").unlink()
    assert main(["index", str(root), "--db", str(db)]) == 0
    second = capsys.readouterr().out
    assert re.search(r"^files\s+4 \(0 parsed, 4 unchanged, 1 removed\)$", second, re.M)


def test_index_command_rejects_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err
