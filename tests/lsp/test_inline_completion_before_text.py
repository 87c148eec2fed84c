"""Inserting lines before existing text, end to end: a real `fillin serve` over stdio, driven
by pytest-lsp, with the cursor at column 0 or at the indentation of a line that holds code.

The loopback model server (tests/modelserver.py) stands in for an external model service so
that the reply is exact: like a fill-in-the-middle model that nothing stops, it writes the
missing lines and then goes on with the rest of the file. The server must hand back whole
lines that end with a line break, so that the line the cursor was on stays whole below them.
"""

from __future__ import annotations

import ast

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    Opened,
    initialize,
    inline_completion,
    items_of,
    model_settings,
    open_fixture,
)
from tests.modelserver import ModelServer

MISSING_PYTHON = "subtotal = 0.0\n    for price in prices:\n        subtotal += price\n"
"""The lines that the fixtures' functions lack, as they read from the indentation on."""


def rest_of_file(opened: Opened) -> str:
    """What follows the cursor in the document: what the model repeats after the hole."""
    lines = opened.text.split("\n")
    line = lines[opened.position.line]
    return "\n".join([line[opened.position.character :], *lines[opened.position.line + 1 :]])


def accepted(opened: Opened, item: types.InlineCompletionItem) -> str:
    """The document's text once the editor inserts the item at its range."""
    assert item.range is not None
    assert item.range.start == item.range.end == opened.position
    lines = opened.text.split("\n")
    line = lines[opened.position.line]
    column = opened.position.character
    assert isinstance(item.insert_text, str)
    lines[opened.position.line] = line[:column] + item.insert_text + line[column:]
    return "\n".join(lines)


async def test_at_column_0_of_a_line_whole_lines_come_before_it(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server))
    opened = open_fixture(client, "before_text/column0.py")
    model_server.replies = ["    " + MISSING_PYTHON + rest_of_file(opened)]

    (item,) = items_of(await inline_completion(client, opened))

    assert item.insert_text == "    " + MISSING_PYTHON
    text = accepted(opened, item)
    assert "        subtotal += price\n    return max(0.0, subtotal - discount)\n" in text
    ast.parse(text)


async def test_at_the_indentation_of_a_line_the_text_ends_with_that_indentation(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server))
    opened = open_fixture(client, "before_text/indentation.py")
    model_server.replies = [MISSING_PYTHON + rest_of_file(opened)]

    (item,) = items_of(await inline_completion(client, opened))

    assert item.insert_text == MISSING_PYTHON + "    "
    text = accepted(opened, item)
    assert "        subtotal += price\n    return max(0.0, subtotal - discount)\n" in text
    ast.parse(text)


async def test_before_a_line_the_model_is_asked_for_several_lines(
    client: LanguageClient, model_server: ModelServer
) -> None:
    """The line mode decides it: no line-break stop string, the multi-line token cap."""
    await initialize(client, model_settings(model_server, maxTokens=96))
    opened = open_fixture(client, "before_text/indentation.py")
    model_server.replies = [MISSING_PYTHON + rest_of_file(opened)]

    await inline_completion(client, opened)

    (request,) = model_server.completion_requests
    assert "\n" not in request.body.get("stop", [])
    assert request.body["max_tokens"] == 96


async def test_a_model_that_stops_without_a_line_break_still_gives_whole_lines(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server))
    opened = open_fixture(client, "before_text/indentation.py")
    model_server.replies = ["subtotal = sum(prices)"]

    (item,) = items_of(await inline_completion(client, opened))

    assert item.insert_text == "subtotal = sum(prices)\n    "
    ast.parse(accepted(opened, item))


async def test_forced_single_line_before_a_line_is_one_whole_line(
    client: LanguageClient, model_server: ModelServer
) -> None:
    settings = {**model_settings(model_server), "completion": {"multiline": "never"}}
    await initialize(client, settings)
    opened = open_fixture(client, "before_text/indentation.py")
    model_server.replies = [MISSING_PYTHON + rest_of_file(opened)]

    (item,) = items_of(await inline_completion(client, opened))

    assert item.insert_text == "subtotal = 0.0\n    "
    ast.parse(accepted(opened, item))


async def test_go_at_column_0_of_a_tab_indented_line(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server))
    opened = open_fixture(client, "before_text/column0.go", language_id="go")
    missing = "\tsubtotal := 0.0\n\tfor _, p := range prices {\n\t\tsubtotal += p\n\t}\n"
    model_server.replies = [missing + rest_of_file(opened)]

    (item,) = items_of(await inline_completion(client, opened))

    assert item.insert_text == missing
    assert accepted(opened, item).endswith("\t}\n\treturn subtotal - discount\n}\n")


async def test_on_an_empty_line_above_code_the_suggestion_is_as_before(
    client: LanguageClient, model_server: ModelServer
) -> None:
    """An empty line is not text to insert before: the lines keep their final break, as on
    every empty line at column 0, and the empty line stays below them."""
    await initialize(client, model_settings(model_server))
    opened = open_fixture(client, "before_text/blank.py")
    model_server.replies = ["    " + MISSING_PYTHON + rest_of_file(opened)]

    (item,) = items_of(await inline_completion(client, opened))

    assert item.insert_text == "    " + MISSING_PYTHON
    ast.parse(accepted(opened, item))
