"""Which folders may be workspace roots, and which files on disk the server may read.

A client names files by URI, and a repository holds symbolic links; neither may make the
server read outside the folders the user opened. The rules:

- A workspace root is never `/`, the user's home directory, or a folder above it: opening
  those would crawl and send everything the user owns (`root_refusal`).
- A file is read from disk only when it lies inside a workspace root, its real path (links
  followed) stays inside that root's real path, no ignore rule excludes it, and it is under
  the size cap (`read_refusal`, with `context.ignore.IgnoreRules`). Everything else,
  `file:///proc/self/environ` included, is refused with a message that says why.

Both answer a reason (a sentence for the user) or None; neither raises.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from context.ignore import IgnoreRules


def root_refusal(root: Path) -> str | None:
    """Why `root` may not be a workspace folder, or None when it may."""
    real = Path(os.path.realpath(root))
    if real == Path(real.anchor):
        return f"{root} is the file system's root; open a project folder instead"
    home = Path(os.path.realpath(Path.home()))
    if real == home or home.is_relative_to(real):
        return f"{root} holds your home directory; open a project folder inside it instead"
    return None


def is_inside(path: Path, root: Path) -> bool:
    """Whether `path`, links followed, lies inside `root` (links followed too)."""
    real = Path(os.path.realpath(path))
    return real.is_relative_to(Path(os.path.realpath(root)))


def read_refusal(path: Path, roots: Iterable[tuple[Path, IgnoreRules]]) -> str | None:
    """Why the file at `path` may not be read from disk, or None when it may.

    `roots` are the workspace folders with their ignore rules; the innermost one holding
    `path` judges it.
    """
    holder: tuple[Path, IgnoreRules] | None = None
    for root, rules in roots:
        if path.is_relative_to(root) and (holder is None or len(root.parts) > len(holder[0].parts)):
            holder = root, rules
    if holder is None:
        return f"{path} is outside every workspace folder (open it in the editor first)"
    root, rules = holder
    if not is_inside(path, root):
        return f"{path} links outside the workspace folder {root}; it is not read"
    if rules.is_ignored(path):
        return (
            f"{path} is excluded by the ignore rules (.gitignore, .fillinignore, "
            "index.exclude), or is binary, generated or larger than index.maxFileBytes"
        )
    return None
