"""Issue 10's row 3: `fillin serve --tcp` and `--socket` on a shared machine.

A real `fillin serve` process is started for each test with its own HOME and XDG
directories under tmp_path (the token file goes there); the tests speak LSP's base protocol
over the socket themselves, since a test must act as an attacker who does not know the token.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SERVE = [sys.executable, "-m", "lsp_server", "serve"]


def env_for(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
    }


def refused_serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `fillin serve ARGS` expecting it to refuse at once."""
    return subprocess.run(
        [*SERVE, *args], env=env_for(tmp_path), capture_output=True, text=True, timeout=60
    )


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def read_message(reader: asyncio.StreamReader) -> dict[str, Any]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    match = re.search(rb"Content-Length: (\d+)", head)
    assert match is not None, head
    message: dict[str, Any] = json.loads(await reader.readexactly(int(match.group(1))))
    return message


async def read_until(reader: asyncio.StreamReader, predicate: Any) -> dict[str, Any]:
    while True:
        message = await read_message(reader)
        if predicate(message):
            return message


def initialize(msg_id: int, options: dict[str, Any]) -> bytes:
    params: dict[str, Any] = {"processId": None, "rootUri": None, "capabilities": {}}
    return frame(
        {
            "jsonrpc": "2.0",
            "id": msg_id,
            "method": "initialize",
            "params": {**params, "initializationOptions": options},
        }
    )


@pytest.fixture
def tcp_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`fillin serve --tcp 127.0.0.1:0`: its port and token file."""
    process = subprocess.Popen(
        [*SERVE, "--tcp", "127.0.0.1:0"],
        env=env_for(tmp_path),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    line = ""
    while "listening on" not in line:
        line = process.stderr.readline()
        assert line, "the server exited before listening"
    match = re.search(r":(\d+); .* in (\S+) as", line)
    assert match is not None, line
    yield int(match.group(1)), Path(match.group(2))
    process.kill()
    process.wait(10)


def test_tcp_on_every_interface_is_refused_without_allow_remote(tmp_path: Path) -> None:
    run = refused_serve(tmp_path, "--tcp", "0.0.0.0:0")
    assert run.returncode == 2
    assert "loopback only" in run.stderr and "--allow-remote" in run.stderr


async def test_tcp_client_without_the_token_gets_nothing(tcp_server: tuple[int, Path]) -> None:
    port, token_path = tcp_server
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_path.parent.stat().st_mode) == 0o700
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    context = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "fillin/context",
        "params": {
            "textDocument": {"uri": "file:///proc/self/environ"},
            "position": {"line": 0, "character": 0},
        },
    }
    writer.write(frame(context))
    refused = await read_message(reader)
    assert refused["id"] == 1 and "token" in refused["error"]["message"]

    writer.write(initialize(2, {"token": "guessed"}))
    wrong = await read_message(reader)
    assert wrong["id"] == 2 and str(token_path) in wrong["error"]["message"]
    assert await asyncio.wait_for(reader.read(), 10) == b""
    writer.close()


async def test_tcp_client_with_the_token_is_served_alone_and_chooses_no_destination(
    tcp_server: tuple[int, Path],
) -> None:
    port, token_path = tcp_server
    token = token_path.read_text(encoding="utf-8").strip()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    options = {"token": token, "model": {"url": "http://collector.example/v1"}}
    writer.write(initialize(1, options))
    answer = await read_until(reader, lambda m: m.get("id") == 1)
    assert "capabilities" in answer["result"]

    second_reader, second_writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(second_reader.read(), 10) == b""
    second_writer.close()

    writer.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    notice = await read_until(
        reader, lambda m: m.get("method") == "window/showMessage" and "model.url" in str(m)
    )
    assert "a TCP client may not set this" in notice["params"]["message"]
    writer.close()


def test_socket_in_a_directory_others_can_write_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    run = refused_serve(tmp_path, "--socket", str(shared / "fillin.sock"))
    assert run.returncode == 2
    assert "other users can write to" in run.stderr


@pytest.fixture
def socket_server(tmp_path: Path) -> Iterator[Path]:
    """`fillin serve --socket PATH` in a directory only the user can write: its path."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    path = private / "fillin.sock"
    process = subprocess.Popen(
        [*SERVE, "--socket", str(path)],
        env=env_for(tmp_path),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    assert "listening on" in process.stderr.readline()
    yield path
    process.kill()
    process.wait(10)


async def test_socket_is_owner_only_and_serves_its_owner(socket_server: Path) -> None:
    mode = os.lstat(socket_server).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    reader, writer = await asyncio.open_unix_connection(str(socket_server))
    writer.write(initialize(1, {}))
    answer = await read_until(reader, lambda m: m.get("id") == 1)
    assert "capabilities" in answer["result"]
    writer.close()


@pytest.mark.skipif(not hasattr(socket, "SO_PEERCRED"), reason="no SO_PEERCRED here")
def test_peer_uid_is_read_from_the_socket() -> None:
    from lsp_server.listen import peer_uid

    left, right = socket.socketpair()
    with left, right:
        assert peer_uid(left) == os.getuid()
