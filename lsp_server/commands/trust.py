"""`fillin trust [PATH]`: let a folder's own settings files choose the model server.

Until a folder is trusted, its `fillin.toml` and `[tool.fillin]` may not set the keys that
choose where code goes or what runs (`model.url`, `model.apiKeyEnv`, ...); see
`context.trust`. The list of trusted folders lives in the user's config directory, owner-only,
never in a repository. `--list` prints it, `--revoke` removes a folder from it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from context.settings import restricted_keys
from context.trust import revoke, trust, trust_store_path, trusted_folders


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin trust`."""
    parser = subparsers.add_parser(
        "trust",
        help="trust a folder's settings files to choose the model server",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument("path", nargs="?", default=".", help="the folder (default: .)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="print the trusted folders")
    action.add_argument("--revoke", action="store_true", help="stop trusting the folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Trust, revoke or list; returns the exit status."""
    if args.list:
        for folder in trusted_folders():
            print(folder)
        return 0
    folder = Path(args.path).expanduser()
    if args.revoke:
        if revoke(folder):
            print(f"fillin trust: {folder} is no longer trusted")
            return 0
        print(
            f"fillin trust: {folder} was not trusted (see `fillin trust --list`)", file=sys.stderr
        )
        return 1
    if not folder.is_dir():
        print(f"fillin trust: {folder} is not a folder (pass an existing folder)", file=sys.stderr)
        return 2
    real = trust(folder)
    keys = ", ".join(sorted(restricted_keys()))
    print(f"fillin trust: {real} is trusted: its settings files may now set {keys}")
    print(f"fillin trust: the list is in {trust_store_path()}", file=sys.stderr)
    return 0
