"""Everything one running server knows: settings layers, open documents, workspace folders,
model backends and the completion in flight for each document.

The state is an explicit object held by the server (`FillinServer.state`) and passed to the
engine as an `Engine`; nothing is global. It knows no JSON-RPC: feature modules read it and
talk to the client.

Guarantees:

- Settings are merged per workspace folder in this order, later layers winning: the folder's
  `[tool.fillin]`/`fillin.toml`, initializationOptions, `workspace/didChangeConfiguration`,
  command-line overrides. A bad key keeps its default and is reported as a problem; so does
  an unknown `model.template`, which is then inferred from the model's name.
- Restricted keys (`context.settings.restricted_keys`: where code goes, what runs) come from
  a folder's files only when the folder is trusted (the editor's `workspaceTrusted`, or
  `fillin trust`), and never from a remote (TCP) client; each key left out is reported once.
- One backend per distinct (model settings, root) pair, created on first use and closed when
  the settings stop using it or the server shuts down.
- At most one completion per document is in flight: `superseding` cancels the older one,
  which closes its model stream.
- One `ModelRuntime` per backend (its rates, likely cached prompts and `model.slots`
  slots), one suggestion cache and one background warm-up for the whole server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from context.document import Document, Encoding
from context.errors import SettingsError
from context.pipeline import CompletionRequest, CompletionResult, Engine
from context.runtime import ModelRuntime
from context.settings import (
    ModelSettings,
    Settings,
    SettingsProblem,
    load_settings,
    read_workspace_settings,
    replace_model,
)
from context.suggestion_cache import SuggestionCache
from context.trust import is_trusted, strip_restricted, untrusted_problem
from context.warmup import WarmUps
from lsp_server.results import Surface

if TYPE_CHECKING:
    from context.backends import Backend
    from context.ignore import IgnoreRules
    from context.workspace import Workspace

logger = logging.getLogger(__name__)

CLIENT_ONLY_KEYS = ("workspaceTrusted", "token")
"""initializationOptions keys that are not settings: the editor's trust, the TCP token."""

CompletionListener = Callable[[CompletionRequest, CompletionResult, Surface], None]
"""Called after every completion the server answered, with the surface it was shown on
("inline", "completion" or "generate"; acceptance statistics use it)."""


@dataclass
class Folder:
    """One workspace folder: its root, its settings file layer and its index."""

    root: Path
    layer: dict[str, Any] = field(default_factory=dict)
    problems: list[SettingsProblem] = field(default_factory=list)
    workspace: Workspace | None = None
    indexing: asyncio.Future[None] | None = None
    rules: IgnoreRules | None = None
    """The folder's ignore rules when it has no workspace (the index is off)."""

    async def aclose(self) -> None:
        """Stop indexing and close the workspace (its close waits for the index thread)."""
        if self.indexing is not None:
            self.indexing.cancel()
        if self.workspace is not None:
            workspace, self.workspace = self.workspace, None
            try:
                await asyncio.to_thread(workspace.close)
            except Exception:
                logger.exception("closing the index of %s failed", self.root)


class ServerState:
    """The per-server state behind every handler."""

    def __init__(
        self, model_overrides: Mapping[str, str | None] | None = None, *, remote: bool = False
    ) -> None:
        self.model_overrides = {k: v for k, v in (model_overrides or {}).items() if v}
        self.remote = remote
        """Whether the client came over TCP: it may not choose restricted keys."""
        self.init_options: Mapping[str, Any] | None = None
        self.client_settings: Mapping[str, Any] | None = None
        self.required_token: str | None = None
        """The token a TCP client must present in `initialize` (None: no token needed)."""
        self.token_path: Path | None = None
        self.is_authenticated = False
        """Whether the client presented the token (or none was needed)."""
        self.editor_trusted: bool | None = None
        """The editor's `workspaceTrusted` (VS Code's isTrusted, Neovim's vim.secure)."""
        self.encoding: Encoding = "utf-16"
        self.log_level_override: str | None = None
        """The `--log-level` given on the command line, which wins over `logLevel`."""
        self.documents: dict[str, Document] = {}
        self.folders: dict[Path, Folder] = {}
        self.refused_roots: list[SettingsProblem] = []
        """Folders the client offered that may not be roots, reported like settings."""
        self.completion_listeners: list[CompletionListener] = []
        self._settings: dict[Path | None, tuple[Settings, list[SettingsProblem]]] = {}
        self._backends: dict[tuple[ModelSettings, Path | None], Backend] = {}
        self._runtimes: dict[tuple[ModelSettings, Path | None], ModelRuntime] = {}
        self.suggestions: SuggestionCache[CompletionResult] = SuggestionCache()
        self.warm_ups = WarmUps()
        self.last_offsets: dict[str, int] = {}
        self.sends_cursor = False
        """Whether the client has sent `fillin/didChangeCursor` (it then decides when a
        newly opened document is warmed)."""
        """Where each document was last asked for a completion (characters)."""
        self._inflight: dict[str, asyncio.Task[Any]] = {}
        self._reported: set[str] = set()
        self._background: set[asyncio.Future[Any]] = set()

    # Settings.

    def settings_for(self, root: Path | None) -> tuple[Settings, list[SettingsProblem]]:
        """The merged settings of a folder (None: outside any folder) and their problems."""
        cached = self._settings.get(root)
        if cached is None:
            folder = self.folders.get(root) if root is not None else None
            layer = folder.layer if folder is not None else None
            problems: list[SettingsProblem] = []
            if folder is not None and layer and not self.is_trusted(folder.root):
                layer, dropped = strip_restricted(layer)
                if dropped:
                    problems.append(untrusted_problem(folder.root, dropped))
            client_layers = [self.init_options, self.client_settings]
            if self.remote:
                client_layers = [self._without_restricted(c, problems) for c in client_layers]
            settings, more = load_settings(layer, *client_layers)
            problems.extend(more)
            if self.model_overrides:
                settings = replace_model(settings, **self.model_overrides)
            settings = with_known_template(settings, problems)
            cached = (
                settings,
                [
                    *self.refused_roots,
                    *(folder.problems if folder else []),
                    *problems,
                ],
            )
            self._settings[root] = cached
        return cached

    def is_trusted(self, root: Path) -> bool:
        """Whether a folder's own files may set restricted keys: the editor trusts the
        workspace (never believed from a remote client), or `fillin trust` trusts the folder."""
        if self.editor_trusted and not self.remote:
            return True
        return is_trusted(root)

    def set_client_options(self, options: Any, *, initial: bool) -> None:
        """Take initializationOptions (`initial`) or didChangeConfiguration settings, keeping
        `workspaceTrusted` apart from the settings."""
        mapping = dict(options) if isinstance(options, Mapping) else None
        if mapping is not None:
            inner = mapping.get("fillin")
            if set(mapping) == {"fillin"} and isinstance(inner, Mapping):
                mapping = dict(inner)
            trusted = mapping.pop("workspaceTrusted", None)
            mapping.pop("token", None)
            if isinstance(trusted, bool):
                self.editor_trusted = trusted
        if initial:
            self.init_options = mapping
        else:
            self.client_settings = mapping

    @staticmethod
    def _without_restricted(
        layer: Mapping[str, Any] | None, problems: list[SettingsProblem]
    ) -> Mapping[str, Any] | None:
        if not layer:
            return layer
        kept, dropped = strip_restricted(layer)
        if dropped:
            keys = ", ".join(sorted(dropped))
            problems.append(
                SettingsProblem(
                    keys,
                    "a TCP client may not set this; it is ignored (pass it to `fillin serve`, "
                    "or set it in a trusted folder's fillin.toml)",
                )
            )
        return kept

    def all_settings_problems(self) -> list[SettingsProblem]:
        """The problems of every folder's settings (or of the global ones), without repeats."""
        roots: list[Path | None] = list(self.folders) or [None]
        seen: dict[str, SettingsProblem] = {}
        for root in roots:
            for problem in self.settings_for(root)[1]:
                seen.setdefault(str(problem), problem)
        return list(seen.values())

    def new_settings_problems(self) -> list[SettingsProblem]:
        """The settings problems not reported for the previous settings; remembers them."""
        problems = self.all_settings_problems()
        new = [p for p in problems if str(p) not in self._reported]
        self._reported = {str(p) for p in problems}
        return new

    def settings_changed(self) -> None:
        """Forget merged settings (after a layer changed) and backends no longer used."""
        # Background work was prepared under the old settings (which may have allowed a
        # document that the new ones turn off): none of it may reach the model server now.
        self.warm_ups.cancel()
        self._settings.clear()
        for folder in self.folders.values():
            folder.rules = None
        in_use = {
            _model_key(self.settings_for(root)[0].model, root) for root in [*self.folders, None]
        }
        for key in [k for k in self._backends if k not in in_use]:
            self._runtimes.pop(key, None)
            self.spawn(self._backends.pop(key).aclose())

    def spawn(self, work: Awaitable[Any]) -> asyncio.Future[Any]:
        """Run `work` in the background, keeping a reference until it is done."""
        future = asyncio.ensure_future(work)
        self._background.add(future)
        future.add_done_callback(self._background.discard)
        return future

    # Folders and documents.

    def add_folder(self, root: Path) -> Folder | None:
        """Register a workspace folder and read its settings files; None (and a problem that
        says why) for a folder that may not be a root, such as `/` or the home directory."""
        # Imported here: the ignore rules (pathspec) are not needed to start serving.
        from context.containment import root_refusal

        refusal = root_refusal(root)
        if refusal is not None:
            self.refused_roots.append(SettingsProblem("workspace folder", f"{refusal}"))
            self._settings.clear()
            return None
        layer, problems = read_workspace_settings(root)
        folder = Folder(root=root, layer=layer, problems=problems)
        self.folders[root] = folder
        self._settings.clear()
        return folder

    def remove_folder(self, root: Path) -> Folder | None:
        """Forget a workspace folder; the caller closes its workspace."""
        self._settings.clear()
        self.refused_roots = [p for p in self.refused_roots if str(root) not in p.message]
        return self.folders.pop(root, None)

    def folder_for(self, path: Path | None) -> Folder | None:
        """The innermost workspace folder that holds `path`."""
        if path is None:
            return None
        best: Folder | None = None
        for root, folder in self.folders.items():
            if path.is_relative_to(root) and (
                best is None or len(root.parts) > len(best.root.parts)
            ):
                best = folder
        return best

    def rules_for(self, folder: Folder) -> IgnoreRules:
        """The ignore rules of a folder: its workspace's, or its own when it has none."""
        if folder.workspace is not None:
            return folder.workspace.rules
        if folder.rules is None:
            from context.ignore import IgnoreRules

            folder.rules = IgnoreRules(folder.root, self.settings_for(folder.root)[0].index)
        return folder.rules

    def read_refusal(self, path: Path) -> str | None:
        """Why the server may not read `path` from disk, or None (see `context.containment`)."""
        from context.containment import read_refusal

        return read_refusal(path, [(f.root, self.rules_for(f)) for f in self.folders.values()])

    def engine_for(self, document: Document) -> Engine:
        """The engine for a document: its folder's settings, backend and workspace."""
        folder = self.folder_for(document.path)
        root = folder.root if folder else None
        settings, _ = self.settings_for(root)
        is_ignored = (
            folder is not None
            and document.path is not None
            and self.rules_for(folder).is_ignored_path(document.path)
        )
        backend = self.backend_for(settings.model, root)
        return Engine(
            settings=settings,
            backend=backend,
            workspace=folder.workspace if folder else None,
            root=root,
            is_ignored_document=is_ignored,
            runtime=self._runtimes[_model_key(settings.model, root)],
            suggestions=self.suggestions,
        )

    def backend_for(self, model: ModelSettings, root: Path | None) -> Backend:
        """The backend for these model settings, created on first use; folders with the
        same model settings share it (`_model_key`)."""
        key = _model_key(model, root)
        backend = self._backends.get(key)
        if backend is None:
            from context.backends import make_backend

            backend = make_backend(model, root=root)
            self._backends[key] = backend
            self._runtimes[key] = ModelRuntime(model.slots)
        return backend

    # Completions in flight.

    @contextlib.contextmanager
    def superseding(self, uri: str) -> Iterator[None]:
        """Mark the current task as the completion in flight for `uri`, cancelling the older."""
        task = asyncio.current_task()
        if task is None:
            yield
            return
        older = self._inflight.get(uri)
        if older is not None and older is not task and not older.done():
            logger.debug("a newer completion for %s supersedes the one in flight", uri)
            older.cancel()
        self._inflight[uri] = task
        try:
            yield
        finally:
            if self._inflight.get(uri) is task:
                del self._inflight[uri]

    def completed(
        self, request: CompletionRequest, result: CompletionResult, surface: Surface
    ) -> None:
        """Tell every completion listener about an answered completion and its surface."""
        for listener in self.completion_listeners:
            try:
                listener(request, result, surface)
            except Exception:
                logger.exception("a completion listener failed")

    async def aclose(self) -> None:
        """Cancel work in flight, close every workspace and backend."""
        self.warm_ups.cancel()
        for task in self._inflight.values():
            task.cancel()
        self._inflight.clear()
        for folder in self.folders.values():
            await folder.aclose()
        backends = list(self._backends.values())
        self._backends.clear()
        for backend in backends:
            try:
                await backend.aclose()
            except Exception:
                logger.exception("closing the %s backend failed", backend.name)


def with_known_template(settings: Settings, problems: list[SettingsProblem]) -> Settings:
    """`settings`, with an unknown `model.template` reported and left to be inferred."""
    if not settings.model.template:
        return settings
    from context.prompt.templates import get_template

    try:
        get_template(settings.model.template)
    except SettingsError as exc:
        message = str(exc).removeprefix(f"{exc.key}: ")
        problems.append(SettingsProblem(exc.key, f"{message}; inferring it from model.name"))
        return replace_model(settings, template="")
    return settings


def _model_key(model: ModelSettings, root: Path | None) -> tuple[ModelSettings, Path | None]:
    """The key of the backend and runtime that serve `model` for the folder `root`.

    Folders with the same model settings share one backend and one runtime: a model server
    has one set of slots and one prompt cache however many folders use it, and the embedded
    server would otherwise load the model once per folder, each copy competing for the same
    cores. Only a relative `model.path` makes the folder part of the key.
    """
    is_relative_file = bool(model.path) and not Path(model.path).expanduser().is_absolute()
    return (model, root if is_relative_file else None)
