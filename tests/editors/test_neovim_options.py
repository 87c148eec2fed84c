"""The Neovim plugin's options for when to show what, end to end in headless Neovim 0.11.

Per-buffer and per-filetype disabling, hiding the ghost text behind an open completion menu,
completion items only on request, and the backend failure that `status()` shows until the
next success (from the server's `fillin/status`). The model service is the scripted loopback
server (tests/modelserver.py), so the text is exact and a failure can be switched on and off.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.editors.conftest import Drive
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
)
from tests.modelserver import ModelServer

pytestmark = pytest.mark.nvim

Repository = tuple[Path, dict[str, Cursor]]

TOTAL = "sum(item.price * item.quantity for item in items)"
STATUS = "return require('fillin').status()"
# textDocument/completion through Neovim's own client: the number of items fillin offers.
N_ITEMS = (
    "local params = vim.lsp.util.make_position_params(0, 'utf-16')\n"
    "local answers = vim.lsp.buf_request_sync(0, 'textDocument/completion', params, 10000)\n"
    "for _, answer in pairs(answers or {}) do\n"
    "  local result = answer.result or {}\n"
    "  return #(result.items or result)\n"
    "end\n"
    "return -1"
)


def test_a_buffer_with_fillin_enabled_false_asks_for_nothing(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    _, cursors = repository
    model_server.replies = (TOTAL,)

    outcome = drive(
        [
            *edit(cursors["inventory/report.py"]),
            command("let b:fillin_enabled = v:false"),
            keys("Areturn "),
            sleep(600),
            snapshot("off"),
            keys("<Esc>"),
            command("let b:fillin_enabled = v:true"),
            keys("a"),
            wait(IS_VISIBLE),
            snapshot("on"),
        ]
    )

    assert outcome.snapshots["off"].ghost == ()
    assert [g.text for g in outcome.snapshots["on"].ghost] == [TOTAL]
    assert len(model_server.completion_requests) == 1


def test_a_disabled_filetype_asks_for_nothing(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    _, cursors = repository
    model_server.replies = (TOTAL,)

    outcome = drive(
        [*edit(cursors["inventory/report.py"]), keys("Areturn "), sleep(600), snapshot("typed")],
        disabled_filetypes=["python"],
    )

    assert outcome.snapshots["typed"].ghost == ()
    assert model_server.completion_requests == []


@pytest.mark.parametrize("hide", [True, False])
def test_the_ghost_text_hides_while_the_popup_menu_is_open(
    drive: Drive, repository: Repository, model_server: ModelServer, hide: bool
) -> None:
    _, cursors = repository
    model_server.replies = (TOTAL,)

    outcome = drive(
        [
            command("set completeopt=menuone,noinsert,noselect"),
            *edit(cursors["inventory/report.py"]),
            keys("Areturn "),
            wait(IS_VISIBLE),
            snapshot("before"),
            keys("<C-x><C-n>"),
            wait("return vim.fn.pumvisible() == 1"),
            snapshot("menu"),
            evaluate("accepts", "return require('fillin').accept()"),
            keys("<C-e>"),
            wait("return vim.fn.pumvisible() == 0"),
            sleep(100),
            snapshot("after"),
        ],
        hide_during_completion=hide,
    )

    assert [g.text for g in outcome.snapshots["before"].ghost] == [TOTAL]
    if hide:
        assert outcome.snapshots["menu"].ghost == ()
        assert outcome.values["accepts"] is False, "the accept key goes to the menu"
        assert [g.text for g in outcome.snapshots["after"].ghost] == [TOTAL], "it comes back"
    else:
        assert [g.text for g in outcome.snapshots["menu"].ghost] == [TOTAL]


@pytest.mark.parametrize(("completion_items", "n_items"), [(False, 0), (True, 1)])
def test_completion_items_come_only_when_asked_for(
    drive: Drive,
    repository: Repository,
    model_server: ModelServer,
    completion_items: bool,
    n_items: int,
) -> None:
    _, cursors = repository
    model_server.replies = (TOTAL,)

    outcome = drive(
        [*edit(cursors["inventory/report.py"]), keys("Areturn "), evaluate("n", N_ITEMS)],
        completion_items=completion_items,
        auto_trigger=False,
    )

    assert outcome.values["n"] == n_items
    assert len(model_server.completion_requests) == n_items


def test_status_shows_a_backend_failure_until_the_next_success(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    _, cursors = repository
    model_server.replies = (TOTAL,)
    model_server.status = 500
    recover = repository[0].parent / "recover"
    stop = threading.Event()

    def recover_when_told() -> None:
        while not stop.wait(0.05):
            if recover.exists():
                model_server.status = 200
                return

    watcher = threading.Thread(target=recover_when_told, daemon=True)
    watcher.start()
    try:
        outcome = drive(
            [
                *edit(cursors["inventory/report.py"]),
                keys("Areturn "),
                wait("return require('fillin').status():find('error', 1, true) ~= nil"),
                evaluate("failing", STATUS),
                keys("<Esc>"),
                # The test process switches the stand-in back to 200 when this file appears.
                command(f"call writefile([], '{recover}')"),
                sleep(300),
                keys("a"),
                wait(IS_VISIBLE),
                evaluate("working", STATUS),
            ],
        )
    finally:
        stop.set()

    failing = outcome.values["failing"]
    assert failing.startswith("fillin: error: ")
    assert model_server.url in failing and "500" in failing
    assert (
        outcome.values["working"].startswith("fillin ") and "error" not in outcome.values["working"]
    )


def test_fillin_log_restart_and_checkhealth(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    _, cursors = repository
    # A failing model server: its error is logged, and doctor reports it.
    model_server.status = 500
    client_id = "return require('fillin.server').client_for(0).id"
    remember = "vim.g.fillin_first_client = require('fillin.server').client_for(0).id\n"
    restarted = (
        "local c = require('fillin.server').client_for(0)\n"
        "return c ~= nil and c.initialized == true and c.id ~= vim.g.fillin_first_client"
    )
    page = "return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, 0), '\\n')"

    outcome = drive(
        [
            *edit(cursors["inventory/report.py"]),
            evaluate("first client", remember + client_id),
            command("FillinRestart"),
            wait(restarted, timeout_ms=20000),
            evaluate("second client", client_id),
            keys("Areturn "),
            wait("return require('fillin').status():find('error', 1, true) ~= nil"),
            keys("<Esc>"),
            command("FillinLog"),
            evaluate("log name", "return vim.fn.expand('%:t')"),
            evaluate("log", page),
            command("close"),
            command("checkhealth fillin"),
            evaluate("health", page),
        ],
        timeout_s=180,
    )

    assert outcome.values["second client"] != outcome.values["first client"]
    assert outcome.values["log name"] == "log"
    assert "[WARN] fillin: " in outcome.values["log"] and "HTTP 500" in outcome.values["log"]
    health = outcome.values["health"]
    assert "fillin doctor (" in health
    assert "FAIL backend: " in health and "500" in health
