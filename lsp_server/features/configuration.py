"""`workspace/didChangeConfiguration`: settings changed in the editor.

The notification's `settings` (the whole object or its `fillin` section) replace the
client layer; when a client sends none, the server pulls the `fillin` section with
`workspace/configuration`. Every problem in the merged settings is shown once as a
`window/showMessage` warning naming the key, and logged; the key keeps its default and the
server keeps serving. `logLevel` takes effect at once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from lsprotocol import types

from lsp_server.logs import set_log_level
from lsp_server.server import FillinServer

logger = logging.getLogger(__name__)

SECTION = "fillin"


def register(server: FillinServer) -> None:
    """Register the configuration handler."""
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)


async def did_change_configuration(
    ls: FillinServer, params: types.DidChangeConfigurationParams
) -> None:
    """Take the new client settings (pulling them when none were sent) and apply them."""
    settings: Any = params.settings
    if isinstance(settings, Mapping) and settings:
        ls.state.set_client_options(settings, initial=False)
    else:
        await pull(ls)
    ls.state.settings_changed()
    report_problems(ls)


async def pull(ls: FillinServer) -> None:
    """Ask the client for the `fillin` section, when it supports `workspace/configuration`."""
    workspace = ls.client_capabilities.workspace
    if workspace is None or not workspace.configuration:
        return
    try:
        values = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        )
    except Exception as exc:
        # A client that fails this request must not stop the server.
        logger.warning("workspace/configuration failed (%s); keeping the current settings", exc)
        return
    value = values[0] if values else None
    ls.state.set_client_options(value if isinstance(value, Mapping) else None, initial=False)
    ls.state.settings_changed()


def report_problems(ls: FillinServer) -> None:
    """Show each settings problem that was not shown for the previous settings, and apply
    `logLevel` (unless `fillin serve --log-level` fixed it)."""
    for problem in ls.state.new_settings_problems():
        ls.notices.show(f"settings:{problem}", f"fillin settings: {problem}")
    if ls.state.log_level_override is None:
        set_log_level(ls.state.settings_for(None)[0].log_level)
