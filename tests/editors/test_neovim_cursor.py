"""The Neovim plugin reports the resting cursor (`fillin/didChangeCursor`) end to end:
headless Neovim, the real `fillin serve`, and the scripted loopback model server in
llama.cpp's protocol (tests/modelserver.py), whose prompts the tests read exactly.

Opening a file and placing the cursor, with no key typed in insert mode, makes the server
warm that position's prompt; a buffer turned off right after it opened sends nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.editors.conftest import Drive, scripted_settings
from tests.editors.nvim_driver import Cursor, command, edit, sleep
from tests.modelserver import ModelServer, RecordedRequest

pytestmark = pytest.mark.nvim

Repository = tuple[Path, dict[str, Cursor]]


def _warming(server: ModelServer) -> dict[str, Any]:
    settings = scripted_settings(server)
    settings["model"] = {"backend": "llamacpp", "url": server.url, "template": "prefix-only"}
    settings["completion"] = {"warmUp": True}
    return settings


def _is_warm_up(request: RecordedRequest) -> bool:
    return request.body.get("n_predict") == 0 and request.body.get("cache_prompt") is True


def test_placing_the_cursor_in_an_opened_file_warms_its_prompt(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    root, cursors = repository
    cursor = cursors["inventory/report.py"]
    line = (root / cursor.path).read_text(encoding="utf-8").split("\n")[cursor.row - 1]

    drive([*edit(cursor), sleep(1500)], settings=_warming(model_server))

    warm_ups = [r for r in model_server.completion_requests if _is_warm_up(r)]
    assert warm_ups, "no warm-up reached the model server"
    assert all(_is_warm_up(r) for r in model_server.completion_requests)
    # The last report is where the cursor rests, on the `$0` line; normal mode keeps the
    # cursor on a character, so it may stand one before the end of the line.
    head, _, last = warm_ups[-1].prompt.rpartition("\n")
    assert head.endswith('"""The value of everything in stock."""')
    assert line[: cursor.col].startswith(last)
    assert len(last) >= min(cursor.col, len(line) - 1)


def test_a_buffer_turned_off_after_it_opened_sends_nothing(
    drive: Drive, repository: Repository, model_server: ModelServer
) -> None:
    """`vim.b.fillin_enabled = false` set right after the file opened (as an autocmd for
    secret files would): neither the plugin's report nor the server's own warm-up on open
    sends a word of it."""
    _, cursors = repository
    cursor = cursors["inventory/report.py"]

    drive(
        [*edit(cursor), command("let b:fillin_enabled = v:false"), sleep(1500)],
        settings=_warming(model_server),
    )

    assert model_server.completion_requests == []
