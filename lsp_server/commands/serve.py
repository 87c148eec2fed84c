"""`fillin serve`: run the language server over stdio, over TCP with `--tcp HOST:PORT`
(loopback only unless `--allow-remote`, with a token), or over a Unix socket with
`--socket PATH` (owner-only); see `lsp_server.listen`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from lsp_server.logs import configure_logging
from lsp_server.overrides import add_model_options, model_overrides


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin serve`."""
    parser = subparsers.add_parser(
        "serve",
        help="run the language server (stdio by default)",
        description="Run fillin's language server over stdio, or over TCP with --tcp.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--tcp",
        metavar="HOST:PORT",
        help="listen on a loopback TCP address instead; clients must send the token whose "
        "file is printed on stderr",
    )
    where.add_argument(
        "--socket", metavar="PATH", type=Path, help="listen on an owner-only Unix socket instead"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="let --tcp listen on an address other machines can reach",
    )
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
    from lsp_server.listen import ListenError, check_tcp_host, serve_tcp, serve_unix
    from lsp_server.notices import LspLogHandler
    from lsp_server.server import create_server

    server = create_server(model_overrides(args))
    server.state.log_level_override = args.log_level
    forward = LspLogHandler(server, logging.INFO)
    for name in ("lsp_server", "context"):
        logging.getLogger(name).addHandler(forward)
    try:
        if address is not None:
            check_tcp_host(address[0], allow_remote=args.allow_remote)
            serve_tcp(server, *address)
        elif args.socket is not None:
            serve_unix(server, args.socket)
        else:
            server.start_io()
    except (ListenError, OSError) as exc:
        print(f"fillin serve: {exc}", file=sys.stderr)
        return 2
    return 0


def _parse_address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise SystemExit(f"fillin serve: --tcp {value!r}: expected HOST:PORT, e.g. 127.0.0.1:2087")
    return host or "127.0.0.1", int(port)
