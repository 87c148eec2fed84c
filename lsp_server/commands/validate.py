"""`fillin validate FILE:LINE:COL --text TEXT`: check a suggestion for a file on disk.

It runs the pipeline's own checks (`context.pipeline.check_suggestion`) on the file as it
is on disk, with the settings of its project root (`--root`, or the nearest directory
holding `.git`, `pyproject.toml`, `package.json`, ...) and an engine opened as the other
commands open it, with the repository's symbol index (refreshed first; `--no-index` checks
against the file and the language alone). `--text -` reads the suggestion from standard
input.

Output: `ok`, or one line per problem (`FILE:LINE:COL: kind: message`, 1-based positions in
the file with the suggestion inserted) and what the policies would do. `--json` prints the
object that the LSP request `fillin/validate` returns (`lsp_server.shapes`): `{"ok",
"problems": [{"kind", "message", "range"}], "policy": {"text", "actions", "reason"},
"elapsedMs"}`, each range an LSP range (0-based lines, UTF-16 characters, the LSP default
encoding) in the file with the suggestion inserted.

Exit status: 0 when the suggestion has no problem, 1 when it has some, 2 for a bad location
or file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from context.document import Document
from context.errors import IndexStoreError
from context.pipeline import ValidationReport, check_suggestion
from context.settings import Settings
from lsp_server.shapes import validation_report_json
from lsp_server.standalone import (
    find_root,
    load_root_settings,
    open_engine,
    open_location,
    print_problems,
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin validate`."""
    parser = subparsers.add_parser(
        "validate",
        help="check a suggestion inserted at FILE:LINE:COL",
        description="Check TEXT as if inserted at FILE:LINE:COL (1-based line and column): "
        "syntax, unknown symbols, arity, unknown dependencies.",
    )
    parser.add_argument("location", metavar="FILE:LINE:COL")
    parser.add_argument("--text", required=True, help="the suggestion ('-' reads stdin)")
    parser.add_argument("--root", type=Path, help="project root (default: found from FILE)")
    parser.add_argument("--json", action="store_true", help="print the fillin/validate object")
    parser.add_argument(
        "--no-index", action="store_true", help="skip the repository index (file and language only)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the suggestion and print the problems; returns the exit status."""
    try:
        location, document, offset = open_location(args.location)
    except ValueError as exc:
        print(f"fillin validate: {exc}", file=sys.stderr)
        return 2
    text = sys.stdin.read() if args.text == "-" else args.text
    root = (args.root or find_root(location.path)).resolve()
    settings, settings_problems = load_root_settings(root)
    print_problems(settings_problems)
    report = asyncio.run(_check(root, settings, document, offset, text, not args.no_index))
    if args.json:
        # The CLI negotiates nothing, so its ranges use LSP's default encoding.
        print(json.dumps(validation_report_json(report, document, offset, text, "utf-16")))
    else:
        print(format_report(report, document, offset, text))
    return 0 if report.is_ok else 1


def format_report(report: ValidationReport, document: Document, offset: int, text: str) -> str:
    """The report for a terminal: `ok`, or one line per problem then the policies' verdict."""
    if report.is_ok:
        return "ok"
    spliced = document.with_text(document.text[:offset] + text + document.text[offset:])
    name = document.path.name if document.path else document.uri
    lines = []
    for problem in report.problems:
        line_idx, column = spliced.position_at(offset + problem.start_offset, "utf-32")
        lines.append(f"{name}:{line_idx + 1}:{column + 1}: {problem.kind}: {problem.message}")
    outcome = report.outcome
    if outcome.text is None:
        lines.append(f"policy: rejected ({outcome.reason})")
    else:
        lines.append(f"policy: {', '.join(outcome.actions) or 'kept'}")
    return "\n".join(lines)


async def _check(
    root: Path, settings: Settings, document: Document, offset: int, text: str, with_index: bool
) -> ValidationReport:
    """The pipeline's validation report; an index that cannot be opened is left out, with
    a warning, rather than costing the user the check."""
    if with_index:
        try:
            async with open_engine(root, settings, with_index=True) as engine:
                return await check_suggestion(engine, document, offset, text)
        except (IndexStoreError, OSError) as exc:
            print(f"fillin validate: index: {exc}; checking without it", file=sys.stderr)
    async with open_engine(root, settings) as engine:
        return await check_suggestion(engine, document, offset, text)
