"""Serving one client over TCP or a Unix socket, safely on a shared machine.

`fillin serve --tcp HOST:PORT` and `--socket PATH` end up here instead of pygls'
`start_tcp`, which listens on any address, lets every connection take over the session and
asks nobody for anything. The guarantees:

- TCP binds a loopback address unless `--allow-remote` says otherwise.
- A TCP client must present a random token, written owner-only (0600, in a 0700 directory of
  the user's runtime or cache directory) to a file whose path goes to stderr, as
  `initializationOptions.token` in `initialize`. Until it has, every request is refused
  with an error and every notification is dropped; a wrong token closes the connection.
- A Unix socket is created only in a directory that no other user can write to, is made
  0600, and a peer whose uid differs from the server's (SO_PEERCRED where available) is
  disconnected at once.
- One client at a time: a second connection is told so and closed. The server exits when
  its client leaves, as it does over stdio.
- A TCP client is `remote`: `ServerState` never takes restricted settings (where code goes)
  from its initializationOptions or didChangeConfiguration.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import os
import secrets
import socket
import stat
import struct
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from pygls.server import run_async  # type: ignore[attr-defined]

if TYPE_CHECKING:
    from lsp_server.server import FillinServer

logger = logging.getLogger(__name__)

TOKEN_OPTION = "token"
"""The initializationOptions key that carries the TCP token."""


class ListenError(Exception):
    """An address or socket path that fillin refuses to listen on; the message says why."""


def is_loopback_host(host: str) -> bool:
    """Whether `host` names this machine only (`localhost` or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_tcp_host(host: str, *, allow_remote: bool) -> None:
    """Refuse a non-loopback host unless remote clients were explicitly allowed."""
    if not allow_remote and not is_loopback_host(host):
        raise ListenError(
            f"--tcp {host}: fillin listens on loopback only (use 127.0.0.1), or pass "
            "--allow-remote to accept other machines (they still need the token)"
        )


def write_token_file(port: int) -> tuple[str, Path]:
    """A fresh random token and the owner-only file it was written to."""
    token = secrets.token_urlsafe(32)
    directory = _private_dir()
    path = directory / f"serve-{os.getpid()}-{port}.token"
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token, path


def _private_dir() -> Path:
    """An owner-only directory for token files: the user's runtime directory when it
    exists (a tmpfs only the user can enter), else the user's cache directory."""
    runtime = Path(platformdirs.user_runtime_dir("fillin", appauthor=False))
    directory = (
        runtime
        if runtime.parent.is_dir()
        else (Path(platformdirs.user_cache_dir("fillin", appauthor=False)) / "run")
    )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    return directory


def check_socket_path(path: Path) -> None:
    """Refuse a socket path whose directory another user could write to (or replace)."""
    directory = path.parent.resolve()
    info = directory.stat()
    if info.st_uid not in (os.getuid(), 0):
        raise ListenError(f"--socket {path}: {directory} belongs to another user")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ListenError(
            f"--socket {path}: other users can write to {directory}; put the socket in a "
            "directory only you can write to, such as $XDG_RUNTIME_DIR"
        )
    if path.exists() or path.is_symlink():
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise ListenError(f"--socket {path}: it exists and is not a socket")
        path.unlink()


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of a Unix socket's peer (SO_PEERCRED), or None where it cannot be told."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    except OSError:
        return None
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


def is_token_accepted(presented: Any, token: str) -> bool:
    """Whether a client's `initializationOptions.token` is the server's token."""
    return isinstance(presented, str) and hmac.compare_digest(presented, token)


def serve_tcp(server: FillinServer, host: str, port: int) -> None:
    """Serve one authenticated client on HOST:PORT; returns when it leaves."""

    async def start(connected: Callable[..., Awaitable[None]]) -> asyncio.Server:
        listener = await asyncio.start_server(connected, host, port)
        bound_port = listener.sockets[0].getsockname()[1]
        token, token_path = write_token_file(bound_port)
        server.state.required_token = token
        server.state.token_path = token_path
        print(
            f"fillin serve: listening on {host}:{bound_port}; clients must send the token "
            f"in {token_path} as initializationOptions.token",
            file=sys.stderr,
            flush=True,
        )
        return listener

    server.state.remote = True
    try:
        asyncio.run(_serve_one(server, start, check_peer=None))
    finally:
        if server.state.token_path is not None:
            with contextlib.suppress(OSError):
                server.state.token_path.unlink()


def serve_unix(server: FillinServer, path: Path) -> None:
    """Serve one client of the same user on the Unix socket `path`."""
    check_socket_path(path)

    async def start(connected: Callable[..., Awaitable[None]]) -> asyncio.Server:
        old = os.umask(0o177)
        try:
            listener = await asyncio.start_unix_server(connected, str(path))
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        print(f"fillin serve: listening on {path}", file=sys.stderr, flush=True)
        return listener

    def same_user(sock: socket.socket) -> bool:
        uid = peer_uid(sock)
        return uid is None or uid == os.getuid()

    try:
        asyncio.run(_serve_one(server, start, check_peer=same_user))
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


async def _serve_one(
    server: FillinServer,
    start: Callable[[Callable[..., Awaitable[None]]], Awaitable[asyncio.Server]],
    check_peer: Callable[[socket.socket], bool] | None,
) -> None:
    """Accept connections, serve the first acceptable one, and stop when it ends."""
    done = asyncio.Event()
    busy = False
    stop_event = threading.Event()

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal busy
        sock = writer.get_extra_info("socket")
        if check_peer is not None and sock is not None and not check_peer(sock):
            logger.warning("refused a connection from another user")
            writer.close()
            return
        if busy:
            logger.warning("refused a second client: fillin serves one client at a time")
            writer.close()
            return
        busy = True
        server.protocol.set_writer(writer)
        try:
            await run_async(
                stop_event=stop_event,
                reader=reader,
                protocol=server.protocol,
                logger=logger,
                error_handler=server.report_server_error,
            )
        finally:
            done.set()

    listener = await start(connected)
    async with listener:
        await done.wait()
    server.shutdown()  # type: ignore[no-untyped-call]
