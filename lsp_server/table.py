"""Plain-text tables for the command line's reports (`fillin stats`, `fillin eval`).

Columns are padded to their widest cell; the first column is left-aligned and the others
right-aligned, since they hold figures. A row of None cells is a section break.
"""

from __future__ import annotations

from collections.abc import Sequence


def render_table(header: Sequence[str], rows: Sequence[Sequence[str] | None]) -> str:
    """The table as lines of text, header first, then a rule, then the rows."""
    cells = [list(header), *[list(row) for row in rows if row is not None]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        first, *rest = row
        parts = [first.ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    out.extend("" if row is None else line(row) for row in rows)
    return "\n".join(out)


def format_share(value: float | None) -> str:
    """A share from 0 to 1 as a percentage with one decimal, or `-` when unknown."""
    return "-" if value is None else f"{100 * value:.1f}%"


def format_ms(value: float | None) -> str:
    """A duration in milliseconds, rounded, or `-` when unknown."""
    return "-" if value is None else f"{value:.0f}"
