"""`fillin serve`: run the language server over stdio, or over TCP with `--tcp HOST:PORT`."""

from __future__ import annotations

import argparse
import logging

from lsp_server.logs import configure_logging
from lsp_server.overrides import add_model_options, model_overrides


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin serve`."""
    parser = subparsers.add_parser(
        "serve",
        help="run the language server (stdio by default)",
        description="Run fillin's language server over stdio, or over TCP with --tcp.",
    )
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead")
    parser.add_argument(
        "--log-level",
        choices=("error", "warning", "info", "debug"),
        help="log level on stderr (default: the logLevel setting, else info)",
    )
    add_model_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until the client exits; returns the exit status."""
    configure_logging(args.log_level or "info")
    address = _parse_address(args.tcp) if args.tcp else None
    from lsp_server.notices import LspLogHandler
    from lsp_server.server import create_server

    server = create_server(model_overrides(args))
    server.state.log_level_override = args.log_level
    forward = LspLogHandler(server, logging.INFO)
    for name in ("lsp_server", "context"):
        logging.getLogger(name).addHandler(forward)
    if address is None:
        server.start_io()
    else:
        server.start_tcp(*address)
    return 0


def _parse_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise SystemExit(f"fillin serve: --tcp {value!r}: expected HOST:PORT, e.g. 127.0.0.1:2087")
    return host or "127.0.0.1", int(port)
