"""`fillin context FILE:LINE:COL`: show the prompt a completion there would get, and why.

It indexes the file's workspace (the folder given with `--root`, else the nearest folder
above the file holding a project marker), builds the prompt with the pipeline's own
`report_context` and the configured backend's template, exactly as the server does, and
prints every section of the prompt (definitions, scope types, similar code, recent edits,
prefix, suffix) with its path, lines and token count, then the prompt itself. `--json`
prints the object that the LSP request `fillin/context` returns. Lines and columns are
1-based; a column counts characters.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from pathlib import Path

from context.document import Document
from context.errors import FillinError
from context.pipeline import ContextReport, report_context
from context.settings import Settings
from lsp_server.shapes import context_report_json
from lsp_server.standalone import (
    find_root,
    load_root_settings,
    open_engine,
    open_location,
    print_problems,
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin context`."""
    parser = subparsers.add_parser(
        "context",
        help="show the prompt and context a completion at FILE:LINE:COL would get",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument("location", metavar="FILE:LINE:COL", help="1-based line and column")
    parser.add_argument("--root", type=Path, help="the workspace folder (default: found)")
    parser.add_argument("--json", action="store_true", help="print the fillin/context object")
    parser.add_argument("--budget", type=int, help="override context.maxPromptTokens")
    parser.add_argument("--template", help="override model.template (e.g. qwen2.5-coder)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the context report for `args.location`; returns the exit status."""
    try:
        location, document, offset = open_location(args.location)
    except ValueError as exc:
        print(f"fillin context: {exc}", file=sys.stderr)
        return 2
    root = (args.root or find_root(location.path)).resolve()
    settings, problems = load_root_settings(root, {"template": args.template})
    if args.budget is not None:
        context = dataclasses.replace(settings.context, max_prompt_tokens=args.budget)
        settings = dataclasses.replace(settings, context=context)
    print_problems(problems)
    try:
        report = asyncio.run(_report(root, settings, document, offset))
    except FillinError as exc:
        print(f"fillin context: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(context_report_json(report), indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def format_report(report: ContextReport) -> str:
    """The report for a terminal: one header per section, then the prompt."""
    prompt = report.prompt
    lines = []
    for section in prompt.sections:
        where = (
            f"{section.path or '(current file)'}:{section.start_line + 1}-{section.end_line + 1}"
        )
        lines.append(f"── {section.source:<10} {where}  ({section.n_tokens} tokens)")
        lines.extend("   " + text for text in section.text.rstrip("\n").split("\n"))
    for finding in prompt.redactions:
        where = f"{finding.path or '(current file)'}:{finding.line_idx + 1}"
        lines.append(f"── redacted {finding.kind} in the {finding.source} at {where}")
    lines.append(
        f"── prompt: {prompt.n_tokens} of {prompt.budget_tokens} tokens, "
        f"built in {report.elapsed_ms:.1f} ms"
    )
    lines.append(prompt.text)
    return "\n".join(lines)


async def _report(root: Path, settings: Settings, document: Document, offset: int) -> ContextReport:
    """The report the server's `fillin/context` gives, built by the same pipeline function."""
    async with open_engine(root, settings, with_index=True) as engine:
        return await report_context(engine, document, offset)
