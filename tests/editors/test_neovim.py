"""The Neovim plugin, end to end: headless Neovim 0.11, the real `fillin serve`, real keys.

Each test opens a file of tests/fixtures/editors/inventory, types in insert mode, waits for
the ghost-text extmark and presses the plugin's keys, then asserts on the buffer. The model
service is the scripted loopback server (tests/modelserver.py) so the suggestion's text is
exact; statistics are read back with `fillin stats --json` from the database the server
wrote, which shows the show/accept/dismiss notifications arrived. One test runs against the
real llama.cpp server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.editors.conftest import Drive, read_stats
from tests.editors.nvim_driver import (
    IS_VISIBLE,
    Cursor,
    command,
    edit,
    evaluate,
    keys,
    sleep,
    snapshot,
    wait,
    wait_for_file,
)
from tests.modelserver import ModelServer, RecordedRequest

pytestmark = pytest.mark.nvim

Repository = tuple[Path, dict[str, Cursor]]

TOTAL = "sum(item.price * item.quantity for item in items)"


def test_typed_code_gets_ghost_text_that_the_accept_key_inserts(
    drive: Drive, repository: Repository, model_server: ModelServer, cache_dir: Path
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    model_server.replies = (TOTAL,)

    outcome = drive(
        [
            *edit(cursor),
            keys("Areturn "),
            wait(IS_VISIBLE),
            snapshot("shown"),
            keys("<M-l>"),
            snapshot("accepted"),
            keys("<Esc>"),
        ]
    )

    shown, accepted = outcome.snapshots["shown"], outcome.snapshots["accepted"]
    row = cursor.row - 1
    assert shown.mode == "i"
    assert [(g.row, g.col, g.text, g.pos, g.lines) for g in shown.ghost] == [
        (row, len("    return "), TOTAL, "inline", ())
    ]
    assert shown.lines[row] == "    return "
    assert accepted.lines[row] == "    return " + TOTAL
    assert accepted.cursor == (cursor.row, len("    return " + TOTAL))
    assert accepted.ghost == ()
    assert model_server.completion_requests[0].prompt.endswith("    return ")

    stats = read_stats(cache_dir)
    overall = stats["overall"]
    assert (overall["shown"], overall["accepted"], overall["dismissed"]) == (1, 1, 0)
    assert overall["acceptedChars"] == len(TOTAL)
    assert list(stats["byTrigger"]) == ["automatic"]


def test_accept_word_and_accept_line_take_the_suggestion_piece_by_piece(
    drive: Drive, repository: Repository, model_server: ModelServer, cache_dir: Path
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/restock.py"]
    body = (
        "for item in items:\n"
        "        if item.is_out_of_stock():\n"
        "            item.quantity += amount"
    )
    model_server.replies = (body,)

    outcome = drive(
        [
            *edit(cursor),
            keys("A"),
            wait(IS_VISIBLE),
            snapshot("shown"),
            keys("<M-w>"),
            snapshot("word"),
            keys("<M-w>"),
            snapshot("two words"),
            keys("<M-j>"),
            snapshot("line"),
            keys("<M-j>"),
            snapshot("next line"),
            keys("<M-l>"),
            snapshot("all"),
        ]
    )

    row = cursor.row - 1
    shots = outcome.snapshots
    (ghost,) = shots["shown"].ghost
    assert (ghost.row, ghost.col, ghost.text, ghost.lines) == (
        row,
        len("    "),
        "for item in items:",
        ("        if item.is_out_of_stock():", "            item.quantity += amount"),
    )
    assert shots["word"].lines[row] == "    for"
    assert shots["word"].visible == body.removeprefix("for")
    assert shots["two words"].lines[row] == "    for item"
    assert shots["line"].lines[row] == "    for item in items:"
    assert shots["line"].visible == body.removeprefix("for item in items:")
    assert shots["next line"].lines[row : row + 2] == (
        "    for item in items:",
        "        if item.is_out_of_stock():",
    )
    assert shots["next line"].cursor == (row + 2, len("        if item.is_out_of_stock():"))
    assert shots["all"].lines[row:] == (
        "    for item in items:",
        "        if item.is_out_of_stock():",
        "            item.quantity += amount",
    )
    assert shots["all"].visible is None
    # Typing through the suggestion keeps it: one model request for the whole of it.
    assert len(model_server.completion_requests) == 1

    overall = read_stats(cache_dir)["overall"]
    assert (overall["shown"], overall["accepted"], overall["dismissed"]) == (1, 1, 0)
    assert overall["acceptedChars"] == len(body)


def test_dismiss_hides_the_suggestion_and_reports_it(
    drive: Drive, repository: Repository, model_server: ModelServer, cache_dir: Path
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    model_server.replies = (TOTAL,)

    outcome = drive(
        [
            *edit(cursor),
            keys("Areturn "),
            wait(IS_VISIBLE),
            keys("<C-]>"),
            snapshot("dismissed"),
            sleep(400),
            snapshot("later"),
        ]
    )

    for name in ("dismissed", "later"):
        shot = outcome.snapshots[name]
        assert shot.ghost == ()
        assert shot.visible is None
        assert shot.lines[cursor.row - 1] == "    return "
        assert shot.mode == "i"
    # Dismissing does not ask again until the user types.
    assert len(model_server.completion_requests) == 1

    overall = read_stats(cache_dir)["overall"]
    assert (overall["shown"], overall["accepted"], overall["dismissed"]) == (1, 0, 1)


def test_typing_on_cancels_the_request_in_flight(
    drive: Drive, repository: Repository, model_server: ModelServer, tmp_path: Path
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    first_request = tmp_path / "first-request"

    def reply(request: RecordedRequest) -> str:
        first_request.touch()
        return "um(item.price for item in items)" if request.prompt.endswith("s") else TOTAL

    model_server.replies = reply
    model_server.first_delay_s = 1.5

    outcome = drive(
        [
            *edit(cursor),
            keys("Areturn "),
            wait_for_file(first_request),
            keys("s"),
            wait(IS_VISIBLE),
            snapshot("shown"),
        ]
    )

    (ghost,) = outcome.snapshots["shown"].ghost
    assert ghost.text == "um(item.price for item in items)"
    first, second = model_server.completion_requests
    assert first.prompt.endswith("return ")
    assert model_server.wait_for(lambda _: first.disconnected, timeout_s=5)
    assert not first.completed
    assert second.prompt.endswith("return s")


def test_toggle_turns_suggestions_off_and_on(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    model_server.replies = (TOTAL,)

    outcome = drive(
        [
            *edit(cursor),
            command("FillinToggle"),
            keys("Areturn "),
            sleep(600),
            snapshot("off"),
            evaluate("status off", "return require('fillin').status()"),
            keys("<Esc>"),
            command("FillinToggle"),
            keys("a"),
            wait(IS_VISIBLE),
            snapshot("on"),
        ]
    )

    assert outcome.snapshots["off"].ghost == ()
    assert outcome.values["status off"] == "fillin: off"
    (ghost,) = outcome.snapshots["on"].ghost
    assert ghost.text == TOTAL
    assert len(model_server.completion_requests) == 1


def test_fillin_context_shows_the_prompt_for_the_cursor(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]

    outcome = drive(
        [
            *edit(cursor),
            command("FillinContext"),
            wait("return vim.api.nvim_buf_get_name(0):match('fillin://context$') ~= nil"),
            evaluate("page", "return vim.api.nvim_buf_get_lines(0, 0, -1, false)"),
            evaluate("filetype", "return vim.bo.filetype"),
            evaluate("modifiable", "return vim.bo.modifiable"),
        ]
    )

    page = outcome.values["page"]
    assert page[0] == f"# fillin context for inventory/report.py:{cursor.row}:{cursor.col}"
    assert "## Prompt" in page
    assert '    """The value of everything in stock."""' in page
    assert outcome.values["filetype"] == "markdown"
    assert outcome.values["modifiable"] is False
    assert model_server.completion_requests == []


def test_fillin_stats_shows_what_was_accepted(
    drive: Drive, repository: Repository, model_server: ModelServer, cache_dir: Path
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    model_server.replies = (TOTAL,)

    outcome = drive(
        [
            *edit(cursor),
            keys("Areturn "),
            wait(IS_VISIBLE),
            keys("<M-l><Esc>"),
            # Statistics are written off the server's event loop; give them a moment.
            sleep(300),
            command("FillinStats"),
            wait("return vim.api.nvim_buf_get_name(0):match('fillin://stats$') ~= nil"),
            evaluate("page", "return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, 0), '\\n')"),
        ]
    )

    page = outcome.values["page"]
    assert "language=python" in page
    overall_row = next(line for line in page.splitlines() if line.split()[:1] == ["all"])
    assert overall_row.split()[1:4] == ["1", "1", "1"]


def test_checkhealth_reports_an_attached_server(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    root, cursors = repository

    outcome = drive(
        [
            *edit(cursors["inventory/report.py"]),
            command("checkhealth fillin"),
            wait("return vim.bo.filetype == 'checkhealth'"),
            evaluate("page", "return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, 0), '\\n')"),
        ]
    )

    page = outcome.values["page"]
    assert "OK setup() done; suggestions shown by fillin's own ghost text" in page
    assert "OK server running (client 1, root " + str(root) in page
    assert "ERROR" not in page


def test_fillin_generate_applies_the_code_action_under_a_comment(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/alerts.py"]
    code = (
        "def out_of_stock(items: list[Item]) -> list[str]:\n"
        "    return [item.name for item in items if item.is_out_of_stock()]\n"
    )
    model_server.replies = (code,)

    outcome = drive(
        [
            *edit(cursor),
            evaluate("before", "return vim.api.nvim_buf_get_lines(0, 0, -1, false)"),
            command("FillinGenerate"),
            wait(f"return vim.api.nvim_buf_line_count(0) > {cursor.row}"),
            snapshot("generated"),
        ]
    )

    before = tuple(outcome.values["before"])
    lines = outcome.snapshots["generated"].lines
    assert lines[: cursor.row] == before[: cursor.row]
    assert "\n".join(lines[cursor.row :]).strip("\n") == code.strip("\n")


@pytest.mark.llm
def test_ghost_text_from_the_real_llama_cpp_server_is_accepted_as_shown(
    drive: Drive, repository: Repository, llama_server: str
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    settings = {
        "model": {
            "backend": "llamacpp",
            "url": llama_server,
            "maxTokens": 16,
            "temperature": 0,
            # A loaded two-core machine may take a while over the first prompt.
            "timeoutMs": 120000,
        },
        "context": {"repository": False},
        "index": {"enabled": False},
        # A 135M model's code rarely passes validation; this test is about the editor.
        "validation": {"enabled": False},
    }

    outcome = drive(
        [
            *edit(cursor),
            keys("Areturn "),
            wait(IS_VISIBLE, timeout_ms=150000),
            snapshot("shown"),
            keys("<M-l>"),
            snapshot("accepted"),
        ],
        settings=settings,
        timeout_s=240,
    )

    shown, accepted = outcome.snapshots["shown"], outcome.snapshots["accepted"]
    # A 135M model's words are not stable; what was shown must be what gets inserted.
    assert shown.visible
    (ghost,) = shown.ghost
    assert (ghost.row, ghost.col) == (cursor.row - 1, len("    return "))
    assert shown.visible.split("\n")[0].startswith(ghost.text)
    inserted = "\n".join(accepted.lines[cursor.row - 1 :])
    assert inserted.startswith("    return " + shown.visible)
    assert accepted.visible is None


def test_next_and_previous_cycle_through_the_candidates(
    drive: Drive, repository: Repository, model_server: ModelServer, cache_dir: Path
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    candidates = (TOTAL, "sum(item.price for item in items)")
    model_server.replies = candidates
    settings = {
        # The template spares the stand-in the layout probe, which would take a reply.
        "model": {
            "backend": "llamacpp",
            "url": model_server.url,
            "template": "prefix-only",
            "nCandidates": 2,
        },
        "context": {"repository": False},
        "index": {"enabled": False},
    }

    outcome = drive(
        [
            *edit(cursor),
            keys("Areturn "),
            wait(IS_VISIBLE),
            snapshot("first"),
            keys("<M-]>"),
            snapshot("second"),
            keys("<M-]>"),
            snapshot("wrapped"),
            keys("<M-[>"),
            snapshot("back"),
            keys("<M-l>"),
            snapshot("accepted"),
        ],
        settings=settings,
    )

    shown = {name: outcome.snapshots[name].visible for name in ("first", "second", "wrapped")}
    assert set(shown.values()) == set(candidates)
    assert shown["first"] != shown["second"]
    assert shown["wrapped"] == shown["first"]
    second = shown["second"]
    assert second is not None
    assert outcome.snapshots["back"].visible == second
    assert outcome.snapshots["accepted"].lines[cursor.row - 1] == "    return " + second

    overall = read_stats(cache_dir)["overall"]
    # Each candidate put on screen counts as shown; the one replaced before acceptance was
    # dismissed, and the accepted one is counted once.
    assert overall["accepted"] == 1
    assert overall["acceptedChars"] == len(second)


def test_a_bad_setting_is_named_and_suggestions_keep_working(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    model_server.replies = (TOTAL,)
    settings = {
        "model": {"backend": "openai", "url": f"{model_server.url}/v1", "name": "scripted"},
        "completion": {"maxLines": -3},
        "index": {"enabled": False},
        "context": {"repository": False},
    }

    outcome = drive(
        [*edit(cursor), keys("Areturn "), wait(IS_VISIBLE), snapshot("shown")],
        settings=settings,
    )

    assert "completion.maxLines" in (outcome.messages or "")
    assert outcome.snapshots["shown"].visible == TOTAL


def test_a_suggestion_inside_brackets_keeps_one_closing_bracket(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    model_server.replies = ("item.price * item.quantity for item in items)",)

    outcome = drive(
        [
            *edit(cursor),
            keys("Areturn sum()<Left>"),
            wait(IS_VISIBLE),
            snapshot("shown"),
            keys("<M-l>"),
            snapshot("accepted"),
        ]
    )

    row = cursor.row - 1
    (ghost,) = outcome.snapshots["shown"].ghost
    assert (ghost.col, ghost.text) == (
        len("    return sum("),
        "item.price * item.quantity for item in items",
    )
    accepted = outcome.snapshots["accepted"]
    assert accepted.lines[row] == "    return sum(item.price * item.quantity for item in items)"
    assert accepted.cursor == (
        cursor.row,
        len("    return sum(item.price * item.quantity for item in items"),
    )


def test_without_auto_trigger_only_the_trigger_key_asks(
    drive: Drive, repository: Repository, model_server: ModelServer, cache_dir: Path
) -> None:
    _, cursors = repository
    cursor = cursors["inventory/report.py"]
    model_server.replies = (TOTAL,)

    outcome = drive(
        [
            *edit(cursor),
            keys("Areturn "),
            sleep(500),
            snapshot("typed"),
            keys("<M-\\>"),
            wait(IS_VISIBLE),
            snapshot("triggered"),
        ],
        settings=None,
        auto_trigger=False,
    )

    assert outcome.snapshots["typed"].ghost == ()
    (ghost,) = outcome.snapshots["triggered"].ghost
    assert ghost.text == TOTAL
    assert len(model_server.completion_requests) == 1
    assert list(read_stats(cache_dir)["byTrigger"]) == ["invoked"]
