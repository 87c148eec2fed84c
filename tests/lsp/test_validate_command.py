"""`fillin validate FILE:LINE:COL --text TEXT`: the pipeline's checks on a file on disk, and
its `--json` object, the shape of the `fillin/validate` request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lsp_server.cli import main


def _line_starting(path: Path, start: str) -> int:
    """The 1-based number of the first line of `path` that starts with `start`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def test_prints_problems_and_exits_1(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    line = _line_starting(checkout, "    return Order(")
    status = main(
        ["validate", f"{checkout}:{line}:1", "--text", "    import requestz\n", "--no-index"]
    )
    out = capsys.readouterr().out
    assert status == 1
    assert f"checkout.py:{line}:12: unknown-dependency: unknown module `requestz`" in out
    assert "policy: rejected" in out


def test_json_with_the_index_is_the_request_shape(
    fixtures_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With the index (kept in a temporary cache directory), a repository function's arity
    is known; the range is an LSP range (0-based) in the file with the suggestion inserted."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    line = _line_starting(checkout, "    return Order(")
    text = "    rate = tax_rate(country, 1)\n"
    status = main(["validate", f"{checkout}:{line}:1", "--text", text, "--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == 1
    assert set(result) == {"ok", "problems", "policy", "elapsedMs"}
    assert result["ok"] is False
    assert [p["kind"] for p in result["problems"]] == ["arity"]
    assert result["problems"][0]["range"]["start"] == {"line": line - 1, "character": 11}
    assert result["policy"] == {"text": text, "actions": ["arity: annotate"], "reason": ""}
    assert result["elapsedMs"] >= 0


def test_json_policy_is_what_completion_would_show(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown name is trimmed by default: the policy keeps the lines before it."""
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    line = _line_starting(checkout, "    return Order(")
    text = "    total = 0\n    frobnicate(total)\n"
    status = main(["validate", f"{checkout}:{line}:1", "--text", text, "--json", "--no-index"])
    result = json.loads(capsys.readouterr().out)
    assert status == 1
    assert [p["kind"] for p in result["problems"]] == ["unknown-symbol"]
    assert result["problems"][0]["range"]["start"] == {"line": line, "character": 4}
    assert result["policy"] == {
        "text": "    total = 0\n",
        "actions": ["unknown-symbol: trim"],
        "reason": "",
    }


def test_json_characters_count_utf16_code_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The location's column counts characters; the range, like LSP's default, counts UTF-16
    code units, so an emoji before the problem counts twice."""
    path = tmp_path / "m.py"
    path.write_text('def f():\n    s = "😀"; \n', encoding="utf-8")
    status = main(["validate", f"{path}:2:14", "--text", "frobnicate()", "--json", "--no-index"])
    result = json.loads(capsys.readouterr().out)
    assert status == 1
    assert result["problems"][0]["kind"] == "unknown-symbol"
    assert result["problems"][0]["range"] == {
        "start": {"line": 1, "character": 14},
        "end": {"line": 1, "character": 24},
    }


def test_says_ok(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    status = main(["validate", f"{checkout}:1:1", "--text", "import json\n", "--no-index"])
    assert (status, capsys.readouterr().out) == (0, "ok\n")


def test_rejects_a_bad_location(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    assert main(["validate", f"{checkout}:9999:1", "--text", "x"]) == 2
    assert "fillin validate:" in capsys.readouterr().err


def test_an_index_that_cannot_be_opened_is_left_out_with_a_warning(
    fixtures_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The cache directory is a file, so the index cannot be created: the checks that need
    no index still run, and stderr says why the index is missing."""
    not_a_directory = tmp_path / "cache"
    not_a_directory.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_directory))
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    line = _line_starting(checkout, "    return Order(")
    status = main(["validate", f"{checkout}:{line}:1", "--text", "    import requestz\n"])
    captured = capsys.readouterr()
    assert status == 1
    assert "unknown-dependency" in captured.out
    assert "fillin validate: index:" in captured.err
    assert "checking without it" in captured.err
