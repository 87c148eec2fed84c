"""The Neovim plugin's pure Lua functions, as data tables evaluated by a real Neovim.

How much "accept word" and "accept line" take, how `setup()` options are checked, and the
notifications the suggestion tracker sends. One headless Neovim evaluates every case
(tests/editors/nvim/units.lua); the expectations are the tables below.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.editors.nvim_driver import PLUGIN_DIR

UNITS = Path(__file__).resolve().parent / "nvim" / "units.lua"

NEXT_WORD = [
    ("sum(item.price)", "sum"),
    ("(item.price)", "("),
    (" in items:", " in"),
    ("\n        if x:", "\n        if"),
    (":= 1", ":="),
    ("héllo wörld", "héllo"),
    ("   ", "   "),
    ("", ""),
]

NEXT_LINE = [
    ("for x in xs:\n    pass", "for x in xs:"),
    ("\n    pass\n", "\n    pass"),
    ("\n\nreturn", "\n"),
    ("tail", "tail"),
]

RESOLVE = [
    ({}, [], ["fillin", "serve"]),
    (
        {"python": "/opt/venv/bin/python"},
        [],
        ["/opt/venv/bin/python", "-P", "-m", "lsp_server", "serve"],
    ),
    ({"cmd": ["uv", "run", "fillin"]}, [], ["uv", "run", "fillin", "serve"]),
    (
        {"cmd": "fillin serve"},
        ['cmd: must be a list of strings such as { "fillin" }; using the default'],
        ["fillin", "serve"],
    ),
    (
        {"debounce_ms": -5},
        ["debounce_ms: must be a number of milliseconds; using the default"],
        ["fillin", "serve"],
    ),
    (
        {"debounse_ms": 50},
        ["debounse_ms: unknown option (did you mean debounce_ms?); it is ignored"],
        ["fillin", "serve"],
    ),
    (
        {"nativ": False},
        ["nativ: unknown option (did you mean native?); it is ignored"],
        ["fillin", "serve"],
    ),
    ({"zzz": 1}, ["zzz: unknown option; it is ignored"], ["fillin", "serve"]),
    (
        {"keymaps": {"acept": "<Tab>"}},
        [
            "keymaps.acept: unknown action; the actions are accept, accept_line, accept_word, "
            "dismiss, next, prev, trigger"
        ],
        ["fillin", "serve"],
    ),
    (
        {"keymaps": {"accept": 1}},
        ['keymaps.accept: must be a key such as "<M-l>", or false'],
        ["fillin", "serve"],
    ),
]

# Each row: tracker operations, then the notifications they send as (method, params).
SHOW, ACCEPT, DISMISS = (
    "fillin/didShowCompletion",
    "fillin/didAcceptCompletion",
    "fillin/didDismissCompletion",
)
TRACKER = [
    (
        [["show", "a", "x = 1"], ["accept", "a"]],
        [(SHOW, {"id": "a"}), (ACCEPT, {"id": "a", "acceptedLength": 5})],
    ),
    ([["show", "a", "héllo"], ["finish"]], [(SHOW, {"id": "a"}), (DISMISS, {"id": "a"})]),
    (
        [["show", "a", "one"], ["show", "a", "one"], ["show", "b", "two"]],
        [(SHOW, {"id": "a"}), (DISMISS, {"id": "a"}), (SHOW, {"id": "b"})],
    ),
    (
        [["show", "a", "total = 0"], ["accept_part", "total"], ["accept_part", " = "], ["finish"]],
        [
            (SHOW, {"id": "a"}),
            (ACCEPT, {"id": "a", "acceptedLength": 5}),
            (ACCEPT, {"id": "a", "acceptedLength": 8}),
        ],
    ),
    (
        [["show", "a", "ab"], ["accept_part", "abc"], ["finish"]],
        [(SHOW, {"id": "a"}), (ACCEPT, {"id": "a", "acceptedLength": 2})],
    ),
    ([["accept", "unknown"], ["accept_part", "x"], ["finish"]], [(ACCEPT, {"id": "unknown"})]),
    ([["show", "a", "x"], ["reset"], ["finish"]], [(SHOW, {"id": "a"})]),
]


# Settings as they reach the server (as Lua tables, JSON-encoded): Lua cannot tell an empty
# object from an empty list, and the server wants an object for every section.
AS_JSON_OBJECT: list[tuple[str, Any]] = [
    ("{}", {}),
    ("{ model = {} }", {"model": {}}),
    (
        "{ model = { stop = { '\\n\\n' }, maxTokens = 64 } }",
        {"model": {"stop": ["\n\n"], "maxTokens": 64}},
    ),
    ("{ index = { exclude = {} } }", {"index": {"exclude": {}}}),
]


# Workspace roots the plugin may hand to the server: never `/` or the home directory.
ROOTS = [
    ("'/'", False),
    ("vim.uv.os_homedir()", False),
    ("vim.fs.dirname(vim.uv.os_homedir())", False),
    ("vim.uv.os_homedir() .. '/project'", True),
]


def _evaluate(nvim: Path, tmp_path: Path, cases: list[dict[str, Any]]) -> list[Any]:
    cases_path, result_path = tmp_path / "cases.json", tmp_path / "results.json"
    cases_path.write_text(json.dumps(cases), encoding="utf-8")
    command = [str(nvim), "--headless", "-u", "NONE", "-i", "NONE", "-n"]
    command += ["--cmd", f"set rtp^={PLUGIN_DIR}", "-l", str(UNITS), str(cases_path)]
    completed = subprocess.run(
        [*command, str(result_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result_path.is_file(), completed.stderr
    results: list[dict[str, Any]] = json.loads(result_path.read_text(encoding="utf-8"))
    for case, result in zip(cases, results, strict=True):
        assert "error" not in result, f"{case}: {result['error']}"
    return [result["value"] for result in results]


@pytest.fixture(scope="module")
def results(nvim: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    """Every table evaluated in one Neovim, by table name."""
    tables: dict[str, list[dict[str, Any]]] = {
        "next_word": [
            {"kind": "call", "module": "fillin.partial", "function": "next_word", "args": [text]}
            for text, _ in NEXT_WORD
        ],
        "next_line": [
            {"kind": "call", "module": "fillin.partial", "function": "next_line", "args": [text]}
            for text, _ in NEXT_LINE
        ],
        "resolve": [{"kind": "resolve", "options": options} for options, _, _ in RESOLVE],
        "tracker": [{"kind": "tracker", "ops": ops} for ops, _ in TRACKER],
        "json": [
            {"kind": "eval", "code": f"return require('fillin.server').as_json_object({lua})"}
            for lua, _ in AS_JSON_OBJECT
        ],
        "roots": [
            {"kind": "eval", "code": f"return require('fillin.server').is_acceptable_root({lua})"}
            for lua, _ in ROOTS
        ],
        "load": [{"kind": "load", "path": str(p)} for p in sorted(PLUGIN_DIR.rglob("*.lua"))],
    }
    flat = [case for cases in tables.values() for case in cases]
    values = iter(_evaluate(nvim, tmp_path_factory.mktemp("lua"), flat))
    return {name: [next(values) for _ in cases] for name, cases in tables.items()}


@pytest.mark.parametrize(("idx", "row"), list(enumerate(NEXT_WORD)))
def test_accept_word_takes_the_whitespace_and_one_word_or_punctuation_run(
    results: dict[str, list[Any]], idx: int, row: tuple[str, str]
) -> None:
    assert results["next_word"][idx] == row[1]


@pytest.mark.parametrize(("idx", "row"), list(enumerate(NEXT_LINE)))
def test_accept_line_takes_the_rest_of_the_line_or_the_next_line(
    results: dict[str, list[Any]], idx: int, row: tuple[str, str]
) -> None:
    assert results["next_line"][idx] == row[1]


@pytest.mark.parametrize(("idx", "row"), list(enumerate(RESOLVE)))
def test_setup_options_are_checked_key_by_key(
    results: dict[str, list[Any]], idx: int, row: tuple[dict[str, Any], list[str], list[str]]
) -> None:
    _, problems, command = row
    assert results["resolve"][idx]["problems"] == problems
    assert results["resolve"][idx]["command"] == command


def test_keymaps_can_be_changed_or_turned_off(nvim: Path, tmp_path: Path) -> None:
    options = {"keymaps": {"accept": "<Tab>", "dismiss": False}}
    (resolved,) = _evaluate(nvim, tmp_path, [{"kind": "resolve", "options": options}])
    assert resolved["problems"] == []
    assert resolved["keymaps"]["accept"] == "<Tab>"
    assert resolved["keymaps"]["dismiss"] is False
    assert resolved["keymaps"]["accept_word"] == "<M-w>"


@pytest.mark.parametrize(("idx", "row"), list(enumerate(TRACKER)))
def test_tracker_sends_one_ending_per_shown_suggestion(
    results: dict[str, list[Any]], idx: int, row: tuple[list[list[Any]], list[tuple[str, Any]]]
) -> None:
    sent = [(n["method"], n["params"]) for n in results["tracker"][idx]]
    assert sent == row[1]


@pytest.mark.parametrize(("idx", "row"), list(enumerate(AS_JSON_OBJECT)))
def test_settings_reach_the_server_as_json_objects(
    results: dict[str, list[Any]], idx: int, row: tuple[Any, Any]
) -> None:
    assert results["json"][idx] == row[1]


def test_every_lua_file_compiles(results: dict[str, list[Any]]) -> None:
    assert results["load"]
    assert all(value is True for value in results["load"])


@pytest.mark.parametrize(("idx", "row"), list(enumerate(ROOTS)))
def test_home_and_the_file_system_root_are_never_workspace_roots(
    results: dict[str, list[Any]], idx: int, row: tuple[str, bool]
) -> None:
    assert results["roots"][idx] is row[1]
