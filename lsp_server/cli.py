"""The `fillin` command line: one subcommand per module in `lsp_server/commands/`.

Each command module defines `add_parser(subparsers)`, which registers its parser and sets
`func` (taking the parsed arguments, returning an exit status) as a default.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS = (
    "serve",
    "complete",
    "doctor",
    "context",
    "index",
    "validate",
    "stats",
    "eval",
    "install-model",
    "trust",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand registered, or just `only` when that names one.

    Registering one command imports only its module, which keeps `fillin serve` from paying
    for the index, tokenizer and numpy imports of the other commands at start-up.
    """
    parser = argparse.ArgumentParser(
        prog="fillin", description="Repository-aware AI code completion as a language server."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in (only,) if only in COMMANDS else COMMANDS:
        module_name = f"lsp_server.commands.{name.replace('-', '_')}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    try:
        status: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
