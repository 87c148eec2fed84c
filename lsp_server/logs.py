"""Logging for the command line and the server: to stderr, never stdout.

stdout carries the LSP stream when serving over stdio, so every log line goes to stderr.
pygls logs each message it sends at INFO level (prompts included), so its loggers stay at
WARNING whatever fillin's own level.
"""

from __future__ import annotations

import logging
import sys

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "info") -> None:
    """Send log records at `level` and above to stderr."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    set_log_level(level)
    logging.getLogger("pygls").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def set_log_level(level: str) -> None:
    """Log fillin's own records (`lsp_server`, `context`) at `level` and above."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    for name in ("lsp_server", "context"):
        logging.getLogger(name).setLevel(numeric)
