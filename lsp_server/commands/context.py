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
from context.errors import FillinError, PositionError
from context.languages import language_for_path
from context.prompt import ContextReport, explain
from context.settings import Settings, load_settings, read_workspace_settings
from context.templates import Template, get_template, infer_template
from context.workspace import Workspace

_ROOT_MARKERS = (".git", "pyproject.toml", "package.json", "go.mod", "Cargo.toml", "pom.xml")


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
        path, line, column = parse_location(args.location)
    except ValueError as exc:
        print(f"fillin context: {exc}", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"fillin context: {path} is not a file (pass FILE:LINE:COL)", file=sys.stderr)
        return 2
    root = (args.root or find_root(path)).resolve()
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
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"fillin context: cannot read {path} ({exc})", file=sys.stderr)
        return 1
    lang = language_for_path(path)
    document = Document(
        path.resolve().as_uri(), text, lang.name if lang else "", None, path.resolve()
    )
    try:
        offset = document.offset_at(line - 1, column - 1, "utf-32")
        report = _report(document, offset, root, settings)
    except PositionError as exc:
        print(f"fillin context: {exc} (lines and columns start at 1)", file=sys.stderr)
        return 2
    except FillinError as exc:
        print(f"fillin context: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def parse_location(location: str) -> tuple[Path, int, int]:
    """`a/b.py:12:5` -> (Path("a/b.py"), 12, 5); a ValueError says what is wrong."""
    parts = location.rsplit(":", 2)
    if len(parts) != 3:
        raise ValueError(f"{location!r} is not FILE:LINE:COL (for example src/app.py:12:5)")
    name, line, column = parts
    if not (line.isdigit() and column.isdigit()) or int(line) < 1 or int(column) < 1:
        raise ValueError(f"{location!r}: LINE and COL must be whole numbers from 1")
    return Path(name).expanduser(), int(line), int(column)


def find_root(path: Path) -> Path:
    """The nearest folder at or above `path`'s that marks a project; else its own folder."""
    start = path.resolve().parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder
    return start


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
