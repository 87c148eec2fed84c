"""The vimdoc (editors/neovim/doc/fillin.txt) covers the plugin: every option of config.lua,
every key action, user command and Lua function has a help tag, and `:helptags` accepts the
file (it fails on duplicate tags), so `:help fillin` works. The names come from the plugin
itself, loaded in a real headless Neovim, not from a list kept here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.editors.nvim_driver import PLUGIN_DIR

DOC = PLUGIN_DIR / "doc" / "fillin.txt"

# Prints the names the plugin defines, as JSON, from a Neovim with nothing else loaded.
NAMES_LUA = """
vim.opt.rtp:prepend(vim.env.FILLIN_PLUGIN_DIR)
vim.cmd.runtime('plugin/fillin.lua')
local config = require('fillin.config')
local fillin = require('fillin')
local functions = {}
for name, value in pairs(fillin) do
  if type(value) == 'function' then table.insert(functions, name) end
end
local commands = vim.tbl_filter(function(name)
  return vim.startswith(name, 'Fillin')
end, vim.tbl_keys(vim.api.nvim_get_commands({})))
io.stdout:write(vim.json.encode({
  options = vim.tbl_keys(config.defaults),
  keys = vim.tbl_keys(config.defaults.keymaps),
  commands = commands,
  functions = functions,
}))
"""


def plugin_names(nvim: Path, tmp_path: Path) -> dict[str, list[str]]:
    script = tmp_path / "names.lua"
    script.write_text(NAMES_LUA, encoding="utf-8")
    completed = subprocess.run(
        [str(nvim), "--headless", "-u", "NONE", "-i", "NONE", "-n", "-l", str(script)],
        env={"FILLIN_PLUGIN_DIR": str(PLUGIN_DIR), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    names: dict[str, Any] = json.loads(completed.stdout)
    return names


def help_tags() -> set[str]:
    return set(re.findall(r"\*([^\s*|]+)\*", DOC.read_text(encoding="utf-8")))


def test_every_option_key_command_and_function_has_a_help_tag(nvim: Path, tmp_path: Path) -> None:
    names = plugin_names(nvim, tmp_path)
    tags = help_tags()
    assert len(names["options"]) >= 12 and len(names["functions"]) >= 15
    assert len(names["commands"]) >= 7

    missing = [f"fillin-option-{o}" for o in names["options"] if f"fillin-option-{o}" not in tags]
    missing += [f"fillin-key-{k}" for k in names["keys"] if f"fillin-key-{k}" not in tags]
    missing += [f":{c}" for c in names["commands"] if f":{c}" not in tags]
    missing += [f"fillin.{f}()" for f in names["functions"] if f"fillin.{f}()" not in tags]
    assert missing == []
    assert {"fillin", "FillinGhostText", "b:fillin_enabled", "fillin-lualine"} <= tags


def test_helptags_accepts_the_doc_and_help_fillin_opens_it(nvim: Path, tmp_path: Path) -> None:
    # A copy, so that :helptags writes its tags file outside the repository.
    doc_dir = tmp_path / "rtp" / "doc"
    doc_dir.mkdir(parents=True)
    shutil.copy(DOC, doc_dir / DOC.name)
    completed = subprocess.run(
        [
            str(nvim),
            "--headless",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "-n",
            "--cmd",
            f"set rtp^={doc_dir.parent}",
            "+helptags ALL",
            "+help fillin-option-hide_during_completion",
            "+lua io.stdout:write(vim.fn.expand('%:t') .. ' ' .. vim.fn.getline('.'))",
            "+qa!",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "E154" not in completed.stderr, "duplicate tags"
    assert completed.stdout.startswith("fillin.txt ")
    assert "hide_during_completion" in completed.stdout
