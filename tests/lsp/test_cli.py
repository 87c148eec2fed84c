"""`fillin complete` and `fillin doctor` as a user runs them: real processes, real files, and
the loopback model server (tests/modelserver.py) standing in for the model service.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.lsp.conftest import CURSOR, FIXTURES
from tests.modelserver import ModelServer

FILLIN = [sys.executable, "-m", "lsp_server"]


def fillin(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `fillin ARGS...` and capture its output."""
    return subprocess.run(
        [*FILLIN, *args], capture_output=True, text=True, timeout=120, check=False
    )


def unmarked_copy(relative: str, directory: Path) -> tuple[Path, int, int]:
    """A copy of a fixture file without its `$0` marker, and the marker's 1-based place."""
    marked = (FIXTURES / relative).read_text(encoding="utf-8")
    offset = marked.index(CURSOR)
    before = marked[:offset]
    path = directory / Path(relative).name
    path.write_text(before + marked[offset + len(CURSOR) :], encoding="utf-8")
    return path, before.count("\n") + 1, len(before) - before.rfind("\n")


def model_options(server: ModelServer, template: str = "codellama") -> list[str]:
    return ["--backend", "openai", "--url", f"{server.url}/v1", "--template", template]


def test_complete_json_reports_text_range_backend_and_timings(tmp_path: Path) -> None:
    path, line, column = unmarked_copy("project/src/shop/cart.py", tmp_path)
    with ModelServer(["return sum(item.price * item.quantity for item in items)\n"]) as server:
        run = fillin(
            "complete",
            f"{path}:{line}:{column}",
            "--json",
            "--root",
            str(tmp_path),
            *model_options(server),
        )
        (request,) = server.completion_requests

    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["text"] == "return sum(item.price * item.quantity for item in items)"
    point = {"line": line, "column": column}
    assert result["range"] == {"start": point, "end": point}
    assert result["backend"] == "openai"
    assert set(result["timings"]) == {"contextMs", "firstTokenMs", "totalMs"}
    assert 0 <= result["timings"]["contextMs"] <= result["timings"]["totalMs"]
    assert result["problems"] == [] and result["error"] is None
    assert request.body["prompt"].startswith("<PRE> ")


def test_complete_explain_prints_a_summary_and_the_suggestion(tmp_path: Path) -> None:
    path, line, column = unmarked_copy("project/src/shop/cart.py", tmp_path)
    with ModelServer(["return 0.0\n"]) as server:
        run = fillin(
            "complete",
            f"{path}:{line}:{column}",
            "--explain",
            "--root",
            str(tmp_path),
            *model_options(server),
        )

    assert run.returncode == 0, run.stderr
    assert f"completing cart.py:{line}:{column} with the openai backend" in run.stdout
    assert f">{line} |     return 0.0" in run.stdout.splitlines()


def test_complete_outside_the_file_is_a_usage_error(tmp_path: Path) -> None:
    path, _, _ = unmarked_copy("project/src/shop/cart.py", tmp_path)

    run = fillin("complete", f"{path}:400:1", "--backend", "openai", "--url", "http://127.0.0.1:9")

    assert run.returncode == 2
    assert "line 399 is outside the document" in run.stderr


def test_complete_with_an_unreachable_backend_fails_clearly(
    tmp_path: Path, unused_tcp_port: int
) -> None:
    path, line, column = unmarked_copy("project/src/shop/cart.py", tmp_path)
    url = f"http://127.0.0.1:{unused_tcp_port}/v1"

    run = fillin(
        "complete",
        f"{path}:{line}:{column}",
        "--json",
        "--no-index",
        "--backend",
        "openai",
        "--url",
        url,
        "--template",
        "codellama",
    )

    assert run.returncode == 1
    assert json.loads(run.stdout)["text"] is None
    assert str(unused_tcp_port) in run.stderr


def test_doctor_passes_with_a_working_backend(tmp_path: Path) -> None:
    with ModelServer(["0"]) as server:
        run = fillin("doctor", "--root", str(tmp_path), *model_options(server))

    assert run.returncode == 0, run.stdout
    for check in ("settings", "template", "tokenizer", "grammars", "backend"):
        assert f"ok   {check}:" in run.stdout
    assert "everything is ready" in run.stdout


def test_doctor_names_what_to_fix(tmp_path: Path, unused_tcp_port: int) -> None:
    (tmp_path / "fillin.toml").write_text("[model]\nmaxTokkens = 5\n", encoding="utf-8")

    run = fillin(
        "doctor",
        "--root",
        str(tmp_path),
        "--backend",
        "openai",
        "--url",
        f"http://127.0.0.1:{unused_tcp_port}/v1",
        "--template",
        "codellama",
    )

    assert run.returncode == 1
    assert "FAIL settings: model.maxTokkens" in run.stdout
    assert "FAIL backend:" in run.stdout and str(unused_tcp_port) in run.stdout
    assert "2 problem(s) to fix" in run.stdout
