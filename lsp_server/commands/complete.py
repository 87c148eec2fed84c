"""`fillin complete FILE:LINE:COL`: print the suggestion the server would show there.

It runs the same pipeline as `textDocument/inlineCompletion` on the file as it is on disk,
with the settings of its project root (`--root`, or the nearest directory holding `.git`,
`pyproject.toml`, `package.json`, ...) and the model overrides. Output: the suggestion's
text; with `--json` an object with its text, range (1-based lines and columns), backend,
timings, problems and policy actions, and its cost (prompt tokens evaluated and reused,
time to the first token, whether the answer came from the model); with `--explain` a
short summary for people. The prompt is the whole budget's: there is no typing to keep up
with, and no warm-up before the one request.

When the default model is not installed yet, it is installed first, as `fillin install-model`
does (pip's lines on stderr). Exit status: 0 when the pipeline ran (even if it had nothing to
suggest), 1 when the model server failed, 2 for a bad location or file.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_server.overrides import add_model_options, model_overrides

if TYPE_CHECKING:
    from context.document import Document
    from context.pipeline import CompletionResult
    from context.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin complete`."""
    parser = subparsers.add_parser(
        "complete",
        help="print the suggestion for FILE:LINE:COL",
        description="Print the suggestion fillin's server would show at FILE:LINE:COL "
        "(1-based line and column).",
    )
    parser.add_argument("location", metavar="FILE:LINE:COL")
    parser.add_argument("--root", type=Path, help="project root (default: found from FILE)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print a JSON object")
    output.add_argument("--explain", action="store_true", help="print a short human summary")
    parser.add_argument(
        "--trigger", choices=("invoked", "automatic"), default="invoked", help="trigger kind"
    )
    parser.add_argument(
        "--no-index", action="store_true", help="skip the repository index (no cross-file context)"
    )
    add_model_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Complete at the location and print the result; returns the exit status."""
    from lsp_server.standalone import (
        find_root,
        load_root_settings,
        open_location,
        print_problems,
    )

    try:
        location, document, offset = open_location(args.location)
    except ValueError as exc:
        print(f"fillin complete: {exc}", file=sys.stderr)
        return 2
    root = (args.root or find_root(location.path)).resolve()
    settings, problems = load_root_settings(root, model_overrides(args))
    print_problems(problems)
    # One request that nobody types past, with no warm-up before it: it sends the whole
    # budget, as the server does once its warm-ups have filled the model's cache, and
    # waits for a whole block (`model.latencyTargetMs` sizes prompts while typing).
    settings = dataclasses.replace(
        settings, model=dataclasses.replace(settings.model, latency_target_ms=0)
    )
    return asyncio.run(_complete(args, root, settings, document, offset))


async def _complete(
    args: argparse.Namespace, root: Path, settings: Settings, document: Document, offset: int
) -> int:
    from context.errors import BackendUnavailable, DefaultModelMissing
    from context.pipeline import CompletionRequest, complete
    from lsp_server.commands.install_model import install_with_messages
    from lsp_server.shapes import completion_result_json
    from lsp_server.standalone import open_engine

    async with open_engine(root, settings, with_index=not args.no_index) as engine:
        request = CompletionRequest(document, offset, args.trigger)
        result = await complete(engine, request)
        if isinstance(result.error, DefaultModelMissing):
            # The first use of the default model installs it, as the server does.
            try:
                await asyncio.to_thread(install_with_messages)
            except BackendUnavailable as exc:
                print(f"fillin complete: {exc}", file=sys.stderr)
                return 1
            result = await complete(engine, request)
    if args.json:
        print(json.dumps(completion_result_json(result, document), indent=2))
    elif args.explain:
        print(format_summary(result, document, offset, engine.backend.template.name))
    elif result.suggestions:
        print(result.suggestions[0].text)
    if result.error is not None:
        if not args.explain:
            print(f"fillin complete: {result.error}", file=sys.stderr)
        return 1
    return 0


# How many lines before the cursor `--explain` shows above the suggestion.
_CONTEXT_LINES = 2


def format_summary(result: CompletionResult, document: Document, offset: int, template: str) -> str:
    """The `--explain` output: a few lines saying what fillin did and what it suggests."""
    line_idx, column = document.position_at(offset, "utf-32")
    where = f"{document.path.name if document.path else document.uri}:{line_idx + 1}:{column + 1}"
    lines = [f"fillin: completing {where} with the {result.backend} backend ({template} template)"]
    if result.prompt is not None:
        prompt = result.prompt
        n_snippets = len(prompt.snippets)
        lines.append(
            f"prompt: {prompt.n_tokens} of {prompt.budget_tokens} tokens, "
            f"{n_snippets} repository snippet{'s' if n_snippets != 1 else ''}"
        )
    timings = result.timings
    first = "-" if timings.first_token_ms is None else f"{timings.first_token_ms:.0f} ms"
    lines.append(
        f"time: context {timings.context_ms:.0f} ms, first token {first}, "
        f"total {timings.total_ms:.0f} ms"
    )
    if result.cost is not None and result.cost.n_prompt_evaluated is not None:
        lines.append(
            f"cost: {result.cost.n_prompt_evaluated} prompt tokens evaluated, "
            f"{result.cost.n_prompt_reused} reused, from the {result.cost.source}"
        )
    if result.error is not None:
        lines.append(f"error: {result.error}")
    for rejected in result.rejected:
        lines.append(f"rejected: {rejected.reason}")
        if rejected.text:
            lines.append(f"  the model wrote: {_shortened(rejected.text)}")
    for best in result.suggestions[:1]:
        stop = f" (stopped by {best.stop_reason})" if best.stop_reason else ""
        lines.append(f"suggestion{stop}, after the lines before the cursor:")
        first_idx = max(0, line_idx - _CONTEXT_LINES)
        before = [document.line_text(i) for i in range(first_idx, line_idx)]
        line_start = document.line_starts[line_idx]
        rest = document.line_text(line_idx)[offset - line_start :]
        completed = (document.text[line_start:offset] + best.text + rest).split("\n")
        width = len(str(line_idx + len(completed)))
        for number, text in enumerate([*before, *completed], start=first_idx + 1):
            marker = ">" if number > line_idx else " "
            lines.append(f"{marker}{number:>{width}} | {text}")
        lines.extend(f"note: {p.kind}: {p.message}" for p in best.problems)
        lines.extend(f"policy: {action}" for action in best.actions)
    if not result.suggestions and result.error is None:
        lines.append("no suggestion")
    return "\n".join(lines)


def _shortened(text: str, n_chars: int = 160) -> str:
    """`text` on one line, cut to about `n_chars` characters."""
    flat = text.replace("\n", "\\n")
    return flat if len(flat) <= n_chars else flat[: n_chars - 3] + "..."
