"""The documentation stays true: the README's settings table is generated from the code."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from context.settings import settings_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
TABLE = re.compile(
    r"(<!-- settings-table:[^\n]*-->\n)(.*?)(<!-- end settings-table -->)", re.DOTALL
)


def test_readme_settings_table_matches_the_code() -> None:
    match = TABLE.search(README.read_text(encoding="utf-8"))
    assert match, "README.md lost its settings-table markers"
    assert match.group(2) == settings_markdown(), (
        "README.md's settings table is stale: run `python tests/test_docs.py` to regenerate it"
    )


def regenerate() -> None:
    """Rewrite the README's settings table from context/settings.py."""
    text = README.read_text(encoding="utf-8")
    README.write_text(TABLE.sub(lambda m: m.group(1) + settings_markdown() + m.group(3), text))


if __name__ == "__main__":
    regenerate()
    sys.exit(0)
