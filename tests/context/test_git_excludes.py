"""The user's global git excludes, found from git's own config files on disk."""

from __future__ import annotations

from pathlib import Path

from context.git_excludes import global_exclude_lines, global_excludes_file


def test_core_excludes_file_in_gitconfig_wins_over_the_xdg_default(tmp_path: Path) -> None:
    (tmp_path / ".config" / "git").mkdir(parents=True)
    (tmp_path / ".config" / "git" / "ignore").write_text("*.default\n", encoding="utf-8")
    (tmp_path / ".gitconfig").write_text(
        '[user]\n\tname = A\n[core]\n\texcludesFile = "~/.global-ignore" ; comment\n',
        encoding="utf-8",
    )
    (tmp_path / ".global-ignore").write_text("*.secret.py\n", encoding="utf-8")

    lines = global_exclude_lines({"HOME": str(tmp_path)})

    assert lines == ["*.secret.py"]


def test_the_xdg_default_applies_without_configuration(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    (xdg / "git").mkdir(parents=True)
    (xdg / "git" / "ignore").write_text(".env\n", encoding="utf-8")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(xdg)}

    assert global_excludes_file(env) == xdg / "git" / "ignore"
    assert global_exclude_lines({"HOME": str(tmp_path / "nobody")}) == []
