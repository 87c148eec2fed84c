"""Drafting the code for a "generate code from comment" target through the pipeline.

The same pipeline as inline suggestions (context, prompt, stream rules, validation) runs on
`prompt_document`, in multi-line mode with more tokens and a larger prompt; `draft_code`
returns a `Draft`: the pipeline's result and the replacement text `render` made of it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from context.document import Document
from context.from_comment.render import prompt_document, render
from context.from_comment.target import CodeTarget
from context.pipeline import CompletionRequest, CompletionResult, Engine, complete
from context.settings import Settings

DRAFT_MAX_TOKENS = 512
"""The least `model.maxTokens` a generation gets (inline suggestions are usually shorter)."""
DRAFT_MAX_LINES = 200
DRAFT_PROMPT_SCALE = 2
"""Generation may use this many times `context.maxPromptTokens`, within the model's context."""


@dataclass(frozen=True)
class Draft:
    """The outcome of one generation: what the pipeline did, and the replacement text.

    `replacement` is None when there is nothing to insert (an empty answer, a rejection by
    validation, or a model server failure: `result` says which).
    """

    target: CodeTarget
    request: CompletionRequest
    result: CompletionResult
    replacement: str | None

    @property
    def reason(self) -> str:
        """Why there is no replacement, in words for the user ("" when there is one)."""
        if self.replacement is not None:
            return ""
        if self.result.error is not None:
            return str(self.result.error)
        reasons = "; ".join(r.reason for r in self.result.rejected)
        return f"the model wrote no usable code ({reasons})" if reasons else "no code came back"


async def draft_code(engine: Engine, document: Document, target: CodeTarget) -> Draft:
    """Ask the completion pipeline, with a generation's budget, for the target's code.

    The same pipeline as inline suggestions (context, prompt, stream rules, validation)
    runs on `prompt_document`, in multi-line mode with more tokens and a larger prompt.
    Cancelling the calling task closes the model stream.
    """
    engine = dataclasses.replace(engine, settings=draft_settings(engine.settings))
    request = CompletionRequest(
        prompt_document(document, target), target.cursor_offset, instruction=target.instruction
    )
    result = await complete(engine, request)
    replacement = render(target, result.suggestions[0].text) if result.suggestions else None
    return Draft(target, request, result, replacement)


def draft_settings(settings: Settings) -> Settings:
    """Settings for a generation: multi-line, more output tokens, a larger prompt budget."""
    model = settings.model
    context = settings.context
    max_prompt_tokens = min(
        context.max_prompt_tokens * DRAFT_PROMPT_SCALE,
        max(context.max_prompt_tokens, model.context_size - DRAFT_MAX_TOKENS),
    )
    return dataclasses.replace(
        settings,
        model=dataclasses.replace(model, max_tokens=max(model.max_tokens, DRAFT_MAX_TOKENS)),
        context=dataclasses.replace(context, max_prompt_tokens=max_prompt_tokens),
        completion=dataclasses.replace(
            settings.completion,
            enabled=True,
            multiline="always",
            max_lines=max(settings.completion.max_lines, DRAFT_MAX_LINES),
        ),
    )
