"""`fillin context FILE:LINE:COL`: show the prompt a completion there would get, and why.

It indexes the file's workspace (the folder given with `--root`, else the nearest folder
above the file holding `.git`, `pyproject.toml`, `package.json`, `go.mod` or `Cargo.toml`),
retrieves repository context exactly as the server does and prints every section of the
prompt (definitions, scope types, similar code, recent edits, prefix, suffix) with its path,
lines and token count, then the prompt itself. `--json` prints the object that the LSP
request `fillin/context` returns. Lines and columns are 1-based; a column counts characters.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from context.document import Document
from context.errors import FillinError
from context.prompt import ContextReport, explain
from context.settings import Settings, load_settings, read_workspace_settings
from context.templates import Template, get_template, infer_template
from context.workspace import Workspace
from lsp_server.standalone import find_root, open_location


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
    layer, problems = read_workspace_settings(root)
    overrides: dict[str, object] = {}
    if args.budget is not None:
        overrides["context"] = {"maxPromptTokens": args.budget}
    if args.template is not None:
        overrides["model"] = {"template": args.template}
    settings, more = load_settings(layer, overrides)
    for problem in [*problems, *more]:
        print(f"fillin context: {problem}", file=sys.stderr)
    try:
        report = _report(document, offset, root, settings)
    except FillinError as exc:
        print(f"fillin context: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
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
    lines.append(
        f"── prompt: {prompt.n_tokens} of {prompt.budget_tokens} tokens, "
        f"built in {report.elapsed_ms:.1f} ms"
    )
    lines.append(prompt.text)
    return "\n".join(lines)


def _report(document: Document, offset: int, root: Path, settings: Settings) -> ContextReport:
    workspace = Workspace(root, settings.index)
    try:
        workspace.refresh()
        workspace.open_document(document)
        rel = workspace.rel_path(document.path) if document.path else None
        return explain(
            document,
            offset,
            workspace,
            settings.context,
            _template(settings),
            repo_name=root.name,
            path=rel or (document.path.name if document.path else ""),
        )
    finally:
        workspace.close()


def _template(settings: Settings) -> Template:
    if settings.model.template:
        return get_template(settings.model.template)
    return infer_template(settings.model.name)
