"""Telling the user what went wrong without nagging: rate-limited messages and log forwarding.

`Notices.show` sends one `window/showMessage` per kind of problem (say, "backend
unavailable") and then stays quiet about that kind for `quiet_s` seconds, so a dead model
server is reported once, not on every keystroke. Every notice is also logged. `LspLogHandler`
forwards fillin's own log records to the client's `window/logMessage`, so they appear in the
editor's output panel; the server never writes logs to stdout, which carries the protocol.
"""

from __future__ import annotations

import asyncio
import logging
import time

from lsprotocol import types
from pygls.lsp.server import LanguageServer

logger = logging.getLogger(__name__)

_LEVELS = {
    types.MessageType.Error: logging.ERROR,
    types.MessageType.Warning: logging.WARNING,
    types.MessageType.Info: logging.INFO,
    types.MessageType.Log: logging.DEBUG,
}


class Notices:
    """Rate-limited `window/showMessage` notices, one stream per kind of problem."""

    def __init__(self, server: LanguageServer, quiet_s: float = 300.0) -> None:
        self._server = server
        self._quiet_s = quiet_s
        self._last_shown: dict[str, float] = {}

    def show(
        self,
        kind: str,
        message: str,
        severity: types.MessageType = types.MessageType.Warning,
    ) -> bool:
        """Log `message`, and show it unless a notice of `kind` was shown recently."""
        logger.log(_LEVELS[severity], "%s", message)
        now = time.monotonic()
        last = self._last_shown.get(kind)
        if last is not None and now - last < self._quiet_s:
            return False
        self._last_shown[kind] = now
        self._server.window_show_message(types.ShowMessageParams(type=severity, message=message))
        return True


class LspLogHandler(logging.Handler):
    """Forwards log records to the client as `window/logMessage` once it is connected."""

    def __init__(self, server: LanguageServer, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._server = server

    def emit(self, record: logging.LogRecord) -> None:
        """Send one record; drops it silently when no client is connected yet."""
        if self._server.protocol.writer is None or not _is_event_loop_thread():
            # Records from worker threads stay on stderr: the protocol writer is not
            # thread-safe.
            return
        state = getattr(self._server, "state", None)
        if getattr(state, "required_token", None) and not getattr(state, "is_authenticated", 1):
            # A TCP peer that has not presented the token learns nothing from the logs.
            return
        if record.levelno >= logging.ERROR:
            kind = types.MessageType.Error
        elif record.levelno >= logging.WARNING:
            kind = types.MessageType.Warning
        elif record.levelno >= logging.INFO:
            kind = types.MessageType.Info
        else:
            kind = types.MessageType.Log
        try:
            message = self.format(record)
            self._server.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:
            # Logging must never take the server down.
            self.handleError(record)


def _is_event_loop_thread() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
