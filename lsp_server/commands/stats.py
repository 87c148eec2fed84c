"""`fillin stats`: print the local acceptance statistics.

Reads the statistics database (in the user's cache directory, or `index.directory` when the
workspace's settings set it) and prints acceptance rate, accepted characters, latency
percentiles (first token, total) and validation outcomes, overall and by language, model and
trigger; `--json` prints the same as JSON. `--reset` deletes them. Nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from context.settings import load_settings
from context.stats import (
    DIMENSIONS,
    GroupStats,
    StatsReport,
    StatsStore,
    StatsStoreError,
    default_stats_path,
)
from context.trust import workspace_layer
from lsp_server.shapes import stats_report_json
from lsp_server.table import format_ms, format_share, render_table


def add_parser(subparsers: Any) -> None:
    """Register `fillin stats`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "stats",
        help="print local acceptance statistics",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--since", type=float, metavar="DAYS", help="only suggestions of the last DAYS days"
    )
    parser.add_argument(
        "--workspace", type=Path, metavar="DIR", help="only suggestions made in workspace DIR"
    )
    parser.add_argument(
        "--database", type=Path, metavar="PATH", help="the statistics database to read"
    )
    parser.add_argument("--reset", action="store_true", help="delete every recorded statistic")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the report (or reset the store); 1 when the database cannot be read."""
    path: Path = args.database or _configured_path(Path.cwd())
    try:
        store = StatsStore(path)
    except StatsStoreError as exc:
        print(f"fillin stats: {exc}", file=sys.stderr)
        return 1
    try:
        if args.reset:
            n_rows = store.clear()
            print(f"Deleted {n_rows} recorded suggestions from {path}")
            return 0
        since = time.time() - args.since * 86400 if args.since is not None else None
        workspace = str(args.workspace.resolve()) if args.workspace else None
        report = store.summarize(since=since, workspace=workspace)
    except StatsStoreError as exc:
        print(f"fillin stats: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(json.dumps(stats_report_json(report), indent=2) if args.json else format_report(report))
    return 0


def format_report(report: StatsReport) -> str:
    """The report as two plain-text tables: acceptance and latency, then outcomes."""
    overall = report.overall
    if overall.n_suggestions == 0:
        return f"No suggestions recorded yet ({report.path})"
    groups: list[tuple[str, GroupStats] | None] = [("all", overall)]
    for dimension in DIMENSIONS:
        groups.append(None)
        groups.extend((f"{dimension}={name}", g) for name, g in report.by[dimension].items())
    header = (
        "group",
        "suggestions",
        "shown",
        "accepted",
        "rate",
        "chars accepted",
        "first token p50",
        "first token p95",
        "total p50",
        "total p95",
    )
    acceptance = render_table(header, [None if g is None else _acceptance_row(*g) for g in groups])
    outcome_names = sorted(overall.outcomes)
    outcomes = render_table(
        ("group", *outcome_names),
        [
            None
            if g is None
            else (g[0], *(str(g[1].outcomes.get(name, 0)) for name in outcome_names))
            for g in groups
        ],
    )
    return (
        f"Acceptance and latency (ms), {overall.n_suggestions} suggestions, {report.path}\n\n"
        f"{acceptance}\n\nValidation outcomes\n\n{outcomes}"
    )


def _acceptance_row(label: str, g: GroupStats) -> tuple[str, ...]:
    return (
        label,
        str(g.n_suggestions),
        str(g.n_shown),
        str(g.n_accepted),
        format_share(g.acceptance_rate),
        str(g.accepted_chars),
        format_ms(g.first_token_ms.p50),
        format_ms(g.first_token_ms.p95),
        format_ms(g.total_ms.p50),
        format_ms(g.total_ms.p95),
    )


def _configured_path(root: Path) -> Path:
    """The database that a server started in `root` writes, per its workspace settings."""
    layer, _ = workspace_layer(root)
    settings, _ = load_settings(layer)
    return default_stats_path(settings.index.directory)
