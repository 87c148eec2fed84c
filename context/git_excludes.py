"""The user's global git ignore file (`core.excludesFile`), found without running git.

git reads `core.excludesFile` from the user's config files, `$XDG_CONFIG_HOME/git/config`
and then `~/.gitconfig` (the later wins), and falls back to `$XDG_CONFIG_HOME/git/ignore`
(`~/.config/git/ignore`). This module reads those files itself rather than running
`git config`: no process is started on the completion path, the answer does not depend on
git being installed or on a repository's own configuration, and tests steer it through
`HOME` and `XDG_CONFIG_HOME` alone. Only the plain `[core]` section is read; `include` and
`includeIf` are not followed, and a file that cannot be read counts as absent.

Patterns in the file apply relative to each workspace root, as git applies them to each
repository.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

MAX_CONFIG_BYTES = 1_000_000
"""A config file larger than this is not read."""


def global_excludes_file(env: Mapping[str, str] | None = None) -> Path | None:
    """The global excludes file git would read, when it exists."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home())
    xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    configured: str | None = None
    for config in (xdg / "git" / "config", home / ".gitconfig"):
        value = _core_excludes_file(config)
        if value is not None:
            configured = value
    if configured is None:
        candidate = xdg / "git" / "ignore"
    elif configured.startswith("~/"):
        candidate = home / configured[2:]
    else:
        candidate = Path(configured)
        if not candidate.is_absolute():
            candidate = home / candidate
    return candidate if candidate.is_file() else None


def global_exclude_lines(env: Mapping[str, str] | None = None) -> list[str]:
    """The patterns of the global excludes file (none when it is absent or unreadable)."""
    path = global_excludes_file(env)
    if path is None:
        return []
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            return []
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _core_excludes_file(config: Path) -> str | None:
    """The last `core.excludesFile` in one git config file, or None."""
    try:
        if config.stat().st_size > MAX_CONFIG_BYTES:
            return None
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    section = ""
    found: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line[1 : line.find("]")].strip().lower() if "]" in line else ""
            continue
        key, sep, value = line.partition("=")
        if section == "core" and sep and key.strip().lower() == "excludesfile":
            found = _config_value(value)
    return found


def _config_value(value: str) -> str:
    """A config value without its trailing comment and surrounding quotes."""
    value = value.strip()
    if value.startswith('"'):
        end = value.find('"', 1)
        return value[1:end] if end > 0 else value[1:]
    for marker in (" #", " ;", "\t#", "\t;"):
        cut = value.find(marker)
        if cut >= 0:
            value = value[:cut]
    return value.strip()
