"""`fillin eval [ROOT]`: measure completion on the repository's own code.

It indexes ROOT (in the user's cache directory), blanks lines of its code (holes: lines that
use a name defined in another file, and plain lines), asks the configured backend for each
hole without and with repository context and validation, and prints exact match, edit
similarity, the share of statically valid suggestions, validation outcomes and latency, per
configuration and per kind of hole. A progress bar goes to stderr; `--json` prints the
whole report, every attempt included. The repository is only read. The model gets at least a
minute to answer (`context.evaluate.MIN_TIMEOUT_MS`), so a busy server shows up as latency
rather than as failures.

Exit status: 0 when the run finished, 1 when the model server failed on every hole, 2 for a
bad root or option.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from lsp_server.overrides import add_model_options, model_overrides
from lsp_server.shapes import eval_report_json
from lsp_server.table import format_ms, format_share, render_table

if TYPE_CHECKING:
    from context.evaluate import EvalOptions, EvalProgress, EvalReport, Summary


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin eval`."""
    parser = subparsers.add_parser(
        "eval",
        help="measure completion on the repository's own code",
        description="Blank lines of ROOT's code and measure how well the configured model "
        "fills them, without and with repository context and validation.",
    )
    parser.add_argument("root", nargs="?", type=Path, default=Path("."), metavar="ROOT")
    parser.add_argument("--holes", type=int, default=40, metavar="N", help="holes to make")
    parser.add_argument("--seed", type=int, default=0, help="seed of the hole choice")
    parser.add_argument(
        "--languages",
        default="",
        metavar="NAMES",
        help="comma-separated languages to make holes in (python,go,...; default all)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        metavar="SECONDS",
        help="start no new hole after this long; the report covers the holes that ran",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_model_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the evaluation and print its report; returns the exit status."""
    from context.evaluate import EvalOptions
    from context.languages import LANGUAGES, language_named

    root: Path = args.root.resolve()
    if not root.is_dir():
        print(
            f"fillin eval: {root} is not a directory (give the repository's root)", file=sys.stderr
        )
        return 2
    languages = tuple(name.strip() for name in args.languages.split(",") if name.strip())
    unknown = [name for name in languages if language_named(name) is None]
    if unknown:
        known = ", ".join(lang.name for lang in LANGUAGES)
        print(f"fillin eval: --languages: unknown {', '.join(unknown)} (known: {known})",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.holes < 1:
        print("fillin eval: --holes must be at least 1", file=sys.stderr)
        return 2
    options = EvalOptions(
        n_holes=args.holes, seed=args.seed, languages=languages, time_limit_s=args.time_limit
    )
    report = asyncio.run(_evaluate(root, options, model_overrides(args)))
    if report is None:
        return 2
    print(json.dumps(eval_report_json(report), indent=2) if args.json else format_report(report))
    attempts = report.attempts
    if attempts and all(a.outcome == "error" for a in attempts):
        print(f"fillin eval: the model server failed on every hole ({attempts[0].detail}); "
              "check it with `fillin doctor`", file=sys.stderr)  # fmt: skip
        return 1
    return 0


async def _evaluate(
    root: Path, options: EvalOptions, overrides: dict[str, str | None]
) -> EvalReport | None:
    from context.evaluate import evaluate, evaluation_settings
    from lsp_server.standalone import load_root_settings, open_engine, print_problems

    settings, problems = load_root_settings(root, overrides)
    print_problems(problems)
    settings = evaluation_settings(settings)
    print(f"fillin eval: indexing {root} ...", file=sys.stderr)
    async with open_engine(root, settings, with_index=True) as engine:
        bar = ProgressBar(sys.stderr)
        report = await evaluate(engine, options, bar.update)
        bar.close()
    if not report.holes:
        print(f"fillin eval: no lines to make holes in under {root}", file=sys.stderr)
        return None
    return report


class ProgressBar:
    """A one-line progress bar on a terminal; a line per tenth of the run elsewhere."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._is_tty = stream.isatty()
        self._last_tenth = -1

    def update(self, progress: EvalProgress) -> None:
        """Show how far the run is."""
        done, total = progress.n_done, max(progress.n_total, 1)
        per_hole = progress.elapsed_s / done if done else 0.0
        eta = per_hole * (total - done)
        text = f"{done}/{total} holes, {per_hole:.1f} s per hole, about {eta:.0f} s left"
        if self._is_tty:
            filled = self.WIDTH * done // total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self._stream.write(f"\r[{bar}] {text}\x1b[K")
        elif (tenth := 10 * done // total) != self._last_tenth:
            self._last_tenth = tenth
            self._stream.write(f"fillin eval: {text}\n")
        self._stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self._is_tty:
            self._stream.write("\n")
            self._stream.flush()


def format_report(report: EvalReport) -> str:
    """The report as plain-text tables: figures per configuration and kind, then outcomes."""
    from context.evaluate import CONFIGURATIONS, HOLE_KINDS

    header = (
        "configuration",
        "holes",
        "exact match",
        "edit similarity",
        "valid",
        "first token p50",
        "total p50",
        "total p95",
    )
    rows: list[tuple[str, ...] | None] = []
    for kind in (None, *HOLE_KINDS):
        if kind is not None:
            rows.append(None)
        for configuration in CONFIGURATIONS:
            label = configuration if kind is None else f"{configuration}, {kind}"
            rows.append(_figures_row(label, report.summary(configuration, kind)))
    outcome_names = sorted({a.outcome for a in report.attempts})
    outcomes = render_table(
        ("configuration", *outcome_names),
        [
            (c, *(str(report.summary(c).outcomes.get(name, 0)) for name in outcome_names))
            for c in CONFIGURATIONS
        ],
    )
    per_hole = report.seconds_per_hole
    stopped = " (stopped at the time limit)" if report.is_stopped_early else ""
    speed = f"{per_hole:.2f} s per hole" if per_hole is not None else "no hole ran"
    heading = (
        f"fillin eval of {report.root}: {report.n_holes_run} of {len(report.holes)} holes"
        f"{stopped}, seed {report.options.seed}, backend {report.backend}, model {report.model}\n"
        f"{report.elapsed_s:.1f} s in all, {speed}"
    )
    return (
        f"{heading}\n\nbaseline: no repository context, no validation; "
        "fillin: repository context and validation. Latency in ms.\n\n"
        f"{render_table(header, rows)}\n\nOutcomes\n\n{outcomes}"
    )


def _figures_row(label: str, summary: Summary) -> tuple[str, ...]:
    similarity = summary.edit_similarity
    return (
        label,
        str(summary.n_holes),
        format_share(summary.exact_match),
        "-" if similarity is None else f"{similarity:.3f}",
        format_share(summary.valid_share),
        format_ms(summary.first_token_ms.p50),
        format_ms(summary.total_ms.p50),
        format_ms(summary.total_ms.p95),
    )
