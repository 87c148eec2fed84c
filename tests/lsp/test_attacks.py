"""Issue 10's attacks on a real `fillin serve`, each shown to fail with the user told why.

Each test plays one row of the issue's table: a cloned repository's settings choosing the
model server and key (1), reads outside the workspace (2), ignored files (4), symbolic links
and home-directory roots (5), credentials in URLs and `apiKeyEnv` (8), and world-readable
caches (11). The server runs with its own HOME and XDG_CONFIG_HOME
(tests/fixtures/attacks/home, never written), so the user's real trust store and git
excludes play no part;
that home's `.config/git/ignore` (git's default `core.excludesFile`) ignores `*.private.py`.
The "collector" and the user's model server are the loopback stand-in (tests/modelserver.py),
which records every request it receives, headers included.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER_COMMAND, initialize, items_of
from tests.modelserver import ModelServer

HOME = Path(__file__).resolve().parents[1] / "fixtures" / "attacks" / "home"
SECRET_VAR = "FILLIN_ATTACK_TEST_SECRET"
SECRET = "ghp_attackTestSecretValue0123456789"
ENV = {
    **os.environ,
    "HOME": str(HOME),
    "XDG_CONFIG_HOME": str(HOME / ".config"),
    # Caches (the tokenizer's vocabulary, statistics) stay in the user's usual cache, as in
    # the other LSP tests, so nothing is written under tests/fixtures.
    "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache"),
    SECRET_VAR: SECRET,
}
SOURCE = "def total(prices):\n    return sum(prices)\n\n\ndef tax(amount):\n    return \n"
CURSOR = types.Position(line=5, character=11)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=ENV))
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A `fillin serve` in the attack tests' home; it must exit cleanly after the test."""
    yield
    await lsp_client.shutdown_session()
    process = lsp_client._server
    if lsp_client.capabilities is not None and process is not None:
        assert await asyncio.wait_for(process.wait(), 10) == 0


def user_settings(server: ModelServer | None = None, **model: Any) -> dict[str, Any]:
    """The user's own settings (initializationOptions): the user's model server, if any."""
    chosen = {"backend": "openai", "name": "scripted", "template": "prefix-only", **model}
    if server is not None:
        chosen["url"] = f"{server.url}/v1"
    return {"model": chosen, "context": {"repository": False}, "index": {"enabled": False}}


def open_file(client: LanguageClient, path: Path, text: str = SOURCE) -> str:
    """Write `text` to `path` and open it in the client; returns its URI."""
    path.write_text(text, encoding="utf-8")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="python", version=1, text=text
            )
        )
    )
    return path.as_uri()


async def complete(client: LanguageClient, uri: str) -> list[types.InlineCompletionItem]:
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=CURSOR,
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Invoked
        ),
    )
    return items_of(await client.text_document_inline_completion_async(params))


async def context_of(client: LanguageClient, uri: str) -> Any:
    return await client.protocol.send_request_async(
        "fillin/context",
        {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
    )


def everything_said(client: LanguageClient) -> str:
    """Every showMessage and logMessage the client received, as one text."""
    shown = [m.message for m in client.messages]
    logged = [m.message for m in client.log_messages]
    return "\n".join(shown + logged)


def write_repository_settings(root: Path, collector: ModelServer) -> None:
    (root / "fillin.toml").write_text(
        f'[model]\nurl = "{collector.url}/v1"\napiKeyEnv = "{SECRET_VAR}"\npath = "evil.gguf"\n',
        encoding="utf-8",
    )


# Row 1: a repository's settings choose the model server and the key.


async def test_untrusted_repository_cannot_choose_the_server_or_the_key(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    with ModelServer(("stolen",)) as collector:
        write_repository_settings(tmp_path, collector)
        model_server.replies = ("1.2 * amount",)
        await initialize(client, user_settings(model_server), folders=[tmp_path])
        uri = open_file(client, tmp_path / "shop.py")

        items = await complete(client, uri)

        assert collector.requests == []
        assert [i.insert_text for i in items] == ["1.2 * amount"]
        sent = model_server.completion_requests[0]
        assert "authorization" not in sent.headers
        shown = [m.message for m in client.messages]
        notice = [m for m in shown if "not trusted" in m]
        assert len(notice) == 1, shown
        for key in ("model.url", "model.apiKeyEnv", "model.path", "fillin trust"):
            assert key in notice[0]
        assert SECRET not in everything_said(client)


async def test_a_folder_the_editor_trusts_may_choose_them(
    client: LanguageClient, tmp_path: Path
) -> None:
    """The same files take effect once the editor says the workspace is trusted: the check
    above fails if trust is ignored."""
    with ModelServer(("0.2 * amount",)) as collector:
        write_repository_settings(tmp_path, collector)
        (tmp_path / "fillin.toml").write_text(
            f'[model]\nurl = "{collector.url}/v1"\napiKeyEnv = "{SECRET_VAR}"\n',
            encoding="utf-8",
        )
        await initialize(client, {**user_settings(), "workspaceTrusted": True}, folders=[tmp_path])
        uri = open_file(client, tmp_path / "shop.py")

        items = await complete(client, uri)

        assert [i.insert_text for i in items] == ["0.2 * amount"]
        assert collector.completion_requests[0].headers["authorization"] == f"Bearer {SECRET}"
        assert not any("not trusted" in m.message for m in client.messages)


# Row 2: reading files outside the workspace.


async def test_context_refuses_files_outside_every_folder_and_proc_environ(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    root, outside = tmp_path / "project", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (outside / "notes.py").write_text("PASSWORD = 'x'\n", encoding="utf-8")
    (root / "inside.py").write_text("def f():\n    pass\n", encoding="utf-8")
    await initialize(client, user_settings(model_server), folders=[root])

    for uri in ((outside / "notes.py").as_uri(), "file:///proc/self/environ"):
        with pytest.raises(JsonRpcException) as refused:
            await context_of(client, uri)
        assert "outside every workspace folder" in str(refused.value)
        assert SECRET not in str(refused.value)
    report = await context_of(client, (root / "inside.py").as_uri())
    assert any("def f()" in section.text for section in report.sections)


# Row 4: files that ignore rules exclude.


async def test_no_completion_inside_an_ignored_document_unless_allowed(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    (tmp_path / ".gitignore").write_text("secrets/\n", encoding="utf-8")
    (tmp_path / "secrets").mkdir()
    await initialize(client, user_settings(model_server), folders=[tmp_path])
    ignored = open_file(client, tmp_path / "secrets" / "keys.py")
    globally_ignored = open_file(client, tmp_path / "local.private.py")

    assert await complete(client, ignored) == []
    assert await complete(client, globally_ignored) == []

    assert model_server.requests == []
    shown = [m.message for m in client.messages]
    assert any("keys.py" in m and "completion.ignoredFiles" in m for m in shown), shown
    assert any("local.private.py" in m for m in shown), shown


async def test_completion_ignored_files_setting_allows_it(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    (tmp_path / ".gitignore").write_text("secrets/\n", encoding="utf-8")
    (tmp_path / "secrets").mkdir()
    model_server.replies = ("amount",)
    settings = {**user_settings(model_server), "completion": {"ignoredFiles": True}}
    await initialize(client, settings, folders=[tmp_path])
    uri = open_file(client, tmp_path / "secrets" / "keys.py")

    assert [i.insert_text for i in await complete(client, uri)] == ["amount"]


# Row 5: symbolic links out of the root, and the home directory as a root.


async def test_a_link_out_of_the_root_is_neither_read_nor_indexed(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    root, private = tmp_path / "repo", tmp_path / "private"
    root.mkdir()
    private.mkdir()
    (private / "credentials.py").write_text("AWS_SECRET = 'leak'\n", encoding="utf-8")
    (root / "conf.py").symlink_to(private / "credentials.py")
    (root / "app.py").write_text("def app():\n    return 1\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    settings = {**user_settings(model_server), "index": {"directory": str(index_dir)}}
    await initialize(client, settings, folders=[root])

    with pytest.raises(JsonRpcException) as refused:
        await context_of(client, (root / "conf.py").as_uri())
    assert "links outside the workspace folder" in str(refused.value)

    await wait_for_indexing(client)
    indexed = indexed_paths(index_dir)
    assert "app.py" in indexed and "conf.py" not in indexed


async def test_home_and_the_file_system_root_are_refused_as_folders(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, user_settings(model_server), folders=[HOME, Path("/")])

    shown = await shown_messages(client, "holds your home directory", "the file system's root")
    assert "holds your home directory" in shown
    assert "the file system's root" in shown
    with pytest.raises(JsonRpcException):
        await context_of(client, (HOME / ".config" / "git" / "ignore").as_uri())


# Row 8: credentials in model.url, a key pasted into apiKeyEnv.


async def test_url_passwords_and_pasted_keys_are_never_shown(
    client: LanguageClient, tmp_path: Path
) -> None:
    settings = user_settings(
        url="http://alice:hunter2-password@127.0.0.1:1/v1?api_key=querysecret",
        apiKeyEnv="sk-live-0123456789abcdef",
    )
    await initialize(client, settings, folders=[tmp_path])
    uri = open_file(client, tmp_path / "shop.py")

    assert await complete(client, uri) == []

    said = everything_said(client)
    assert "model.apiKeyEnv" in said and "cannot connect to http://127.0.0.1:1" in said, said
    for secret in ("hunter2-password", "sk-live-0123456789abcdef", "querysecret"):
        assert secret not in said


# Row 11: world-readable caches.


async def test_index_and_statistics_databases_are_owner_only(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    (tmp_path / "app.py").write_text("def app():\n    return 1\n", encoding="utf-8")
    index_dir = tmp_path / "cache" / "index"
    settings = {**user_settings(model_server), "index": {"directory": str(index_dir)}}
    await initialize(client, settings, folders=[tmp_path])
    await wait_for_indexing(client)

    databases = sorted(p for p in index_dir.iterdir() if ".sqlite" in p.name)
    assert databases, list(index_dir.iterdir())
    assert stat.S_IMODE(index_dir.stat().st_mode) == 0o700
    for path in databases:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


async def shown_messages(client: LanguageClient, *expected: str, timeout_s: float = 10.0) -> str:
    """The showMessage texts, once all `expected` strings are among them (or the timeout)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        shown = "\n".join(m.message for m in client.messages)
        if all(e in shown for e in expected) or asyncio.get_running_loop().time() > deadline:
            return shown
        await asyncio.sleep(0.05)


async def wait_for_indexing(client: LanguageClient, timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        for reports in client.progress_reports.values():
            if reports and isinstance(reports[-1], types.WorkDoneProgressEnd):
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"indexing did not end within {timeout_s} s")


def indexed_paths(index_dir: Path) -> set[str]:
    """The relative paths of the files table of the (one) index database."""
    [database] = [p for p in index_dir.iterdir() if p.suffix == ".sqlite3"]
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT path FROM files")}


if sys.platform != "linux":
    # The attacks read /proc/self/environ and rely on POSIX modes and symlinks; CI is Linux.
    pytestmark = pytest.mark.skip(reason="the attack fixtures assume Linux (/proc, POSIX modes)")
