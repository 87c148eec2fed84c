"""The `syntax` check: the suggestion adds no syntax error to the document.

What counts as an added error (new ERROR or MISSING nodes, a Python block without a body)
is decided by `context.syntax_errors`, which post-processing also consults.
"""

from __future__ import annotations

from context.splice import Splice
from context.syntax_errors import new_syntax_errors
from context.validation.problem import Problem


def check_syntax(splice: Splice) -> list[Problem]:
    """The syntax errors that the suggestion introduces (at most a few)."""
    return [
        Problem("syntax", error.message, error.start_offset, error.end_offset)
        for error in new_syntax_errors(splice)
    ]
