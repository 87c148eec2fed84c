"""Issue 10's rows 1, 7 and 8 from the command line: `fillin trust`, a repository's own
modules never running in fillin's process, and `fillin doctor`'s transport warning.

Each runs the real `fillin` command line in a subprocess with HOME and XDG directories
under tmp_path, so the user's own trust store is never touched.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from context.settings import load_settings
from lsp_server.commands.doctor import _check_transport

FILLIN = [sys.executable, "-m", "lsp_server"]


def run_fillin(
    tmp_path: Path, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    return subprocess.run(
        [*FILLIN, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_fillin_trust_stores_real_paths_owner_only_outside_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "link").symlink_to(repo)

    trusted = run_fillin(tmp_path, "trust", str(tmp_path / "link"))
    listed = run_fillin(tmp_path, "trust", "--list")
    revoked = run_fillin(tmp_path, "trust", "--revoke", str(repo))
    after = run_fillin(tmp_path, "trust", "--list")

    assert trusted.returncode == 0 and "model.url" in trusted.stdout, trusted.stderr
    assert listed.stdout.splitlines() == [str(repo.resolve())]
    store = tmp_path / "config" / "fillin" / "trusted-folders.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.parent.stat().st_mode) == 0o700
    assert list(repo.iterdir()) == []
    assert revoked.returncode == 0 and after.stdout == ""


def test_untrusted_settings_are_left_out_of_command_line_runs_too(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "fillin.toml").write_text('[index]\ndirectory = "/tmp/elsewhere"\n', encoding="utf-8")
    (repo / "app.py").write_text("def app():\n    return 1\n", encoding="utf-8")

    untrusted = run_fillin(tmp_path, "index", str(repo))

    assert "index.directory" in untrusted.stderr and "not trusted" in untrusted.stderr
    assert not Path("/tmp/elsewhere").exists()


def test_a_repositorys_own_modules_never_run_in_fillin(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "context").mkdir(parents=True)
    marker = tmp_path / "ran"
    payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("context/__init__.py", "csv.py", "wave.py"):
        (repo / name).write_text(payload, encoding="utf-8")
    (repo / "app.py").write_text("import csv\nimport wave\n\n", encoding="utf-8")

    run = run_fillin(
        tmp_path,
        "validate",
        f"{repo / 'app.py'}:3:1",
        "--text",
        "csv.reader(open('x'))\nwave.open('y')",
        "--no-index",
        cwd=repo,
    )

    assert run.returncode in (0, 1), run.stderr
    assert not marker.exists(), marker.read_text(encoding="utf-8")


def test_doctor_warns_of_a_key_over_plain_http_to_another_machine() -> None:
    remote, _ = load_settings(
        {"model": {"url": "http://bob:pw@gpu.example:8000/v1", "apiKeyEnv": "OPENAI_API_KEY"}}
    )
    local, _ = load_settings(
        {"model": {"url": "http://127.0.0.1:8000/v1", "apiKeyEnv": "OPENAI_API_KEY"}}
    )

    warning = _check_transport(remote, Path("."))
    quiet = _check_transport(local, Path("."))

    assert warning.is_warning and "plain HTTP" in warning.detail and "pw" not in warning.detail
    assert "https://" in warning.fix
    assert not quiet.is_warning and quiet.is_ok
