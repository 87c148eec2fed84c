"""The `fillin` command line: one subcommand per module in `lsp_server/commands/`.

Each command module defines `add_parser(subparsers)`, which registers its parser and sets
`func` (taking the parsed arguments, returning an exit status) as a default.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS = ("serve", "complete", "doctor", "context", "index", "validate", "stats", "eval")


def build_parser() -> argparse.ArgumentParser:
    """The parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="fillin", description="Repository-aware AI code completion as a language server."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"lsp_server.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"lsp_server.commands.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
