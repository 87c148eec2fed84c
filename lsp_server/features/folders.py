"""Workspace folders: `workspace/didChangeWorkspaceFolders`, `workspace/didChangeWatchedFiles`,
and background indexing with work-done progress.

Each folder gets its own `context.workspace.Workspace` (its index), built in a background
task that reports `$/progress` begin, report (with counts) and end; completions are served
meanwhile, with whatever context is ready. When the client can, it is asked to watch every
file, so changes made outside the editor reach the index too. A folder whose index cannot
be opened is reported once and served without repository context.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from context.errors import FillinError
from lsp_server.convert import uri_to_path
from lsp_server.features import configuration
from lsp_server.server import FillinServer
from lsp_server.state import Folder

if TYPE_CHECKING:
    from context.index.indexer import IndexProgress
    from context.workspace import FileChangeKind

logger = logging.getLogger(__name__)

_CHANGE_KINDS: dict[types.FileChangeType, FileChangeKind] = {
    types.FileChangeType.Created: "created",
    types.FileChangeType.Changed: "changed",
    types.FileChangeType.Deleted: "deleted",
}


def register(server: FillinServer) -> None:
    """Register the workspace folder handlers."""
    server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(did_change_workspace_folders)
    server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)


async def did_change_workspace_folders(
    ls: FillinServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    """Close removed folders' workspaces and start indexing added ones."""
    for removed in params.event.removed:
        root = uri_to_path(removed.uri)
        folder = ls.state.remove_folder(root) if root else None
        if folder is not None:
            await close_folder(folder)
    for added in params.event.added:
        root = uri_to_path(added.uri)
        folder = ls.state.add_folder(root) if root is not None else None
        if folder is not None:
            start_indexing(ls, folder)
    ls.state.settings_changed()
    configuration.report_problems(ls)


def did_change_watched_files(ls: FillinServer, params: types.DidChangeWatchedFilesParams) -> None:
    """Pass file creations, changes and deletions on to the workspaces that hold them."""
    by_folder: dict[Path, list[tuple[Path, FileChangeKind]]] = {}
    for event in params.changes:
        path = uri_to_path(event.uri)
        folder = ls.state.folder_for(path)
        if path is not None and folder is not None and folder.workspace is not None:
            by_folder.setdefault(folder.root, []).append((path, _CHANGE_KINDS[event.type]))
    for root, changes in by_folder.items():
        workspace = ls.state.folders[root].workspace
        if workspace is not None:
            workspace.files_changed(changes)


async def watch_files(ls: FillinServer) -> None:
    """Ask the client to report file changes, when it can register watchers dynamically.

    Changes made outside the editor (a branch switch, a formatter, a deleted file) then
    reach the index through `workspace/didChangeWatchedFiles`.
    """
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if watched is None or not watched.dynamic_registration:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern="**/*")]
    )
    registration = types.Registration(
        id=f"fillin-watch-{uuid.uuid4().hex}",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(registrations=[registration])
        )
    except Exception as exc:
        # Without watchers, saves and open documents still reach the index.
        logger.info("the client did not register file watchers: %s", exc)


def start_indexing(ls: FillinServer, folder: Folder) -> None:
    """Open the folder's workspace and index it in the background."""
    settings, _ = ls.state.settings_for(folder.root)
    if not settings.index.enabled:
        return
    from context.workspace import Workspace

    try:
        workspace = Workspace(folder.root, settings.index)
    except FillinError as exc:
        ls.notices.show(f"index:{folder.root}", f"fillin: {exc}")
        return
    folder.workspace = workspace
    for document in ls.state.documents.values():
        if ls.state.folder_for(document.path) is folder:
            workspace.open_document(document)
    folder.indexing = asyncio.ensure_future(_index(ls, folder))


async def close_folder(folder: Folder) -> None:
    """Stop indexing a folder and close its workspace."""
    await folder.aclose()


async def _index(ls: FillinServer, folder: Folder) -> None:
    """Index one folder, reporting progress when the client supports it."""
    workspace = folder.workspace
    if workspace is None:
        return
    progress = await _Progress.start(ls, f"Indexing {folder.root.name}")
    started = time.perf_counter()
    try:
        stats = await workspace.index(progress.report)
    except asyncio.CancelledError:
        progress.end("cancelled")
        raise
    except FillinError as exc:
        progress.end("failed")
        ls.notices.show(f"index:{folder.root}", f"fillin: indexing {folder.root} failed: {exc}")
        return
    elapsed = time.perf_counter() - started
    summary = f"{stats.n_files} files, {stats.n_symbols} symbols in {elapsed:.1f} s"
    logger.info("indexed %s: %s", folder.root, summary)
    progress.end(summary)


class _Progress:
    """One work-done progress bar on the client, or nothing when the client has none."""

    def __init__(self, ls: FillinServer, token: str | None) -> None:
        self._ls = ls
        self._token = token

    @classmethod
    async def start(cls, ls: FillinServer, title: str) -> _Progress:
        """Create and begin a progress bar titled `title`."""
        window = ls.client_capabilities.window
        if window is None or not window.work_done_progress:
            return cls(ls, None)
        token = f"fillin-index-{uuid.uuid4().hex}"
        try:
            await ls.work_done_progress.create_async(token)
        except Exception as exc:
            # Progress is a courtesy: indexing goes on without a bar.
            logger.debug("the client refused a progress token: %s", exc)
            return cls(ls, None)
        ls.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, percentage=0, cancellable=False)
        )
        return cls(ls, token)

    def report(self, update: IndexProgress) -> None:
        """Report how many files are done (the workspace already throttles its updates)."""
        if self._token is None:
            return
        n_done, n_total = update.n_done, update.n_total
        percentage = min(100, int(100 * n_done / n_total)) if n_total else None
        self._ls.work_done_progress.report(
            self._token,
            types.WorkDoneProgressReport(
                message=f"{n_done}/{n_total} files", percentage=percentage
            ),
        )

    def end(self, message: str) -> None:
        """End the progress bar."""
        if self._token is not None:
            self._ls.work_done_progress.end(self._token, types.WorkDoneProgressEnd(message=message))
            self._token = None
