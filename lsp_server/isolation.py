"""Keep repository code out of the server's process: `isolate_sys_path`.

`python -m lsp_server` (and `python script.py`) put the working directory, which an editor
sets to the user's repository, first on `sys.path`, so the repository's own `context/`,
`csv.py` or `wave.py` would be imported instead of fillin's package or the standard
library's module. `isolate_sys_path` removes that entry (the `''` of `-c` and `-m`, or the
working directory itself) unless it is where fillin itself was loaded from, as when running
from a source checkout. It runs when `lsp_server` is imported, before anything else of
fillin's.

It cannot help once the launcher has already imported a repository's own `lsp_server/`
package: launchers pass `-P` (Python 3.11's safe path flag, which keeps the user's site
directory, unlike `-I`), as the Neovim plugin does and VS Code should.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_FILLIN_HOME = Path(__file__).resolve().parents[1]
"""The directory holding fillin's packages (`lsp_server/`, `context/`)."""


def isolate_sys_path() -> list[str]:
    """Remove the working directory from `sys.path` unless fillin lives there; returns what
    was removed."""
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    removed: list[str] = []
    kept: list[str] = []
    for entry in sys.path:
        resolved = _resolve(entry)
        is_cwd = entry in ("", ".") or (cwd is not None and resolved == cwd)
        if is_cwd and resolved != _FILLIN_HOME:
            removed.append(entry)
        else:
            kept.append(entry)
    if removed:
        sys.path[:] = kept
    return removed


def _resolve(entry: str) -> Path | None:
    try:
        return Path(os.path.abspath(entry or ".")).resolve()
    except OSError:
        return None
