"""`fillin index [ROOT]`: build or refresh a folder's symbol index from the command line.

It reads the folder's settings (`[tool.fillin]` in pyproject.toml, fillin.toml), draws a
progress bar on stderr while it parses, and prints the number of files and symbols with the
throughput (files/s, MB/s) on stdout. Only what changed since the last run is re-parsed;
`--rebuild` starts from an empty index.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import TextIO

from context.errors import IndexStoreError
from context.index.indexer import IndexProgress
from context.settings import load_settings
from context.trust import workspace_layer
from context.workspace import Workspace


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin index`."""
    parser = subparsers.add_parser(
        "index",
        help="build or refresh the symbol index of a folder",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument("root", nargs="?", default=".", help="the folder to index (default: .)")
    parser.add_argument("--db", type=Path, help="the database file (default: the user cache)")
    parser.add_argument("--rebuild", action="store_true", help="start from an empty index")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Index `args.root`; returns the exit status."""
    root = Path(args.root).expanduser()
    if not root.is_dir():
        print(f"fillin index: {root} is not a folder (pass an existing folder)", file=sys.stderr)
        return 2
    layer, problems = workspace_layer(root)
    settings, more = load_settings(layer)
    for problem in [*problems, *more]:
        print(f"fillin index: {problem}", file=sys.stderr)
    try:
        workspace = Workspace(root, settings.index, db_path=args.db)
    except IndexStoreError as exc:
        print(f"fillin index: {exc}", file=sys.stderr)
        return 1
    try:
        if workspace.store.rebuilt_reason:
            print(
                f"fillin index: rebuilt the index ({workspace.store.rebuilt_reason})",
                file=sys.stderr,
            )
        if args.rebuild:
            workspace.store.clear()
        bar = None if args.quiet or not sys.stderr.isatty() else ProgressBar(sys.stderr)
        stats = workspace.refresh(bar.update if bar is not None else None)
        if bar is not None:
            bar.finish()
    finally:
        workspace.close()
    print(f"index     {workspace.store.db_path}")
    print(
        f"files     {stats.n_files} ({stats.n_parsed} parsed, {stats.n_unchanged} unchanged, "
        f"{stats.n_deleted} removed)"
    )
    print(f"symbols   {stats.n_symbols}")
    print(f"time      {stats.elapsed_s:.2f} s")
    print(f"speed     {stats.files_per_s:.0f} files/s, {stats.mb_per_s:.1f} MB/s")
    return 0


class ProgressBar:
    """A one-line progress bar redrawn in place, at most ten times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last = 0.0

    def update(self, progress: IndexProgress) -> None:
        """Redraw the bar for `progress`."""
        now = time.monotonic()
        if now - self._last < 0.1 and progress.n_done < progress.n_total:
            return
        self._last = now
        width = max(20, min(40, shutil.get_terminal_size((80, 20)).columns - 40))
        share = progress.n_done / progress.n_total if progress.n_total else 1.0
        filled = int(share * width)
        label = progress.path[-30:]
        self.stream.write(
            f"\r[{'#' * filled}{'-' * (width - filled)}] {share:4.0%} "
            f"{progress.n_done}/{progress.n_total} {label:<30}"
        )
        self.stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        if self._last:
            self.stream.write("\n")
            self.stream.flush()
