"""`fillin validate FILE:LINE:COL --text TEXT`: check a suggestion for a file on disk.

It runs the same checks as the pipeline (`context.validate`) on the file as it is on disk,
with the settings of its project root (`--root`, or the nearest directory holding `.git`,
`pyproject.toml`, `package.json`, ...) and the repository's symbol index (refreshed
first; `--no-index` checks against the file and the language alone). `--text -` reads the
suggestion from standard input.

Output: `ok`, or one line per problem (`FILE:LINE:COL: kind: message`, positions in the
file with the suggestion inserted) and what the policies would do; with `--json` the object
`{"ok", "problems": [{"kind", "message", "range"}], "elapsedMs", "policy": {"text",
"actions", "reason"}}`, lines and columns 1-based.

Exit status: 0 when the suggestion has no problem, 1 when it has some, 2 for a bad location
or file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from context.document import Document
    from context.settings import Settings
    from context.validation.policy import PolicyOutcome, Problem
    from context.validation.view import SymbolView


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
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.add_argument(
        "--no-index", action="store_true", help="skip the repository index (file and language only)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the suggestion and print the problems; returns the exit status."""
    from lsp_server.standalone import (
        find_root,
        load_root_settings,
        open_location,
        print_problems,
    )

    try:
        location, document, offset = open_location(args.location)
    except ValueError as exc:
        print(f"fillin validate: {exc}", file=sys.stderr)
        return 2
    text = sys.stdin.read() if args.text == "-" else args.text
    root = (args.root or find_root(location.path)).resolve()
    settings, settings_problems = load_root_settings(root)
    print_problems(settings_problems)
    from context.validation.policy import apply_policies, validate

    with _open_view(root, settings, with_index=not args.no_index) as view:
        started = time.perf_counter()
        problems = validate(document, offset, text, view, settings.validation)
        elapsed_ms = (time.perf_counter() - started) * 1000
    outcome = apply_policies(text, problems, settings.validation)
    if args.json:
        print(json.dumps(result_json(document, offset, text, problems, outcome, elapsed_ms)))
    else:
        print(_report(document, offset, text, problems, outcome))
    return 1 if problems else 0


@contextlib.contextmanager
def _open_view(root: Path, settings: Settings, *, with_index: bool) -> Iterator[SymbolView]:
    """An index view of `root`, refreshed now and closed on exit; an empty view when the
    index is off or cannot be opened."""
    from context.errors import IndexStoreError
    from context.validation.view import EmptyView, IndexView

    if not with_index or not settings.index.enabled:
        yield EmptyView()
        return
    from context.workspace import Workspace

    try:
        workspace = Workspace(root, settings.index)
        workspace.refresh()
    except (IndexStoreError, OSError) as exc:
        print(f"fillin validate: index: {exc}; checking without it", file=sys.stderr)
        yield EmptyView()
        return
    try:
        yield IndexView(workspace.store)
    finally:
        workspace.close()


def result_json(
    document: Document,
    offset: int,
    text: str,
    problems: list[Problem],
    outcome: PolicyOutcome,
    elapsed_ms: float,
) -> dict[str, Any]:
    """The `--json` object (the same shape as the `fillin/validate` LSP request's result)."""
    spliced = document.with_text(document.text[:offset] + text + document.text[offset:])

    def point(offset_in_text: int) -> dict[str, int]:
        line_idx, column = spliced.position_at(offset + offset_in_text, "utf-32")
        return {"line": line_idx + 1, "column": column + 1}

    return {
        "ok": not problems,
        "problems": [
            {
                "kind": p.kind,
                "message": p.message,
                "range": {"start": point(p.start_offset), "end": point(p.end_offset)},
            }
            for p in problems
        ],
        "elapsedMs": round(elapsed_ms, 3),
        "policy": {
            "text": outcome.text,
            "actions": list(outcome.actions),
            "reason": outcome.reason,
        },
    }


def _report(
    document: Document, offset: int, text: str, problems: list[Problem], outcome: PolicyOutcome
) -> str:
    if not problems:
        return "ok"
    spliced = document.with_text(document.text[:offset] + text + document.text[offset:])
    name = document.path.name if document.path else document.uri
    lines = []
    for problem in problems:
        line_idx, column = spliced.position_at(offset + problem.start_offset, "utf-32")
        lines.append(f"{name}:{line_idx + 1}:{column + 1}: {problem.kind}: {problem.message}")
    if outcome.text is None:
        lines.append(f"policy: rejected ({outcome.reason})")
    else:
        lines.append(f"policy: {', '.join(outcome.actions) or 'kept'}")
    return "\n".join(lines)
