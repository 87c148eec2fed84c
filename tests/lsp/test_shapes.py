"""The JSON shapes of lsp_server/shapes.py: what `fillin/context` and `fillin context` return."""

from __future__ import annotations

from context.document import Document
from context.prompt.assemble import ContextReport, build_prompt
from context.prompt.templates import TEMPLATES
from context.settings import ContextSettings
from lsp_server.shapes import context_report_json

STARCODER = TEMPLATES["starcoder"]


def test_the_report_counts_lines_from_one() -> None:
    text = "a = 1\nb = \nc = 3\n"
    document = Document("file:///m.py", text, "python", None)
    offset = text.index("b = ") + 4
    prompt = build_prompt(document, offset, ContextSettings(), STARCODER, path="m.py")
    report = context_report_json(ContextReport(prompt, 1.25))
    assert report["tokensUsed"] == prompt.n_tokens
    assert report["budgetTokens"] == 2048
    prefix = next(s for s in report["sections"] if s["source"] == "prefix")
    assert (prefix["startLine"], prefix["endLine"], prefix["path"]) == (1, 2, "m.py")
    assert report["elapsedMs"] == 1.25
