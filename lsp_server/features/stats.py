"""`fillin/didShowCompletion`, `fillin/didAcceptCompletion`, `fillin/didDismissCompletion`:
local acceptance statistics.

The contract with editors (the README repeats it):

- Every suggestion the server returns (inline completion items, completion items) carries
  the command `fillin.didAccept` with the arguments `[{"id": "<suggestion id>"}]`
  (`lsp_server.convert.lsp_accept_command`). The id
  is a hex string, unique per suggestion. The server does not advertise the command: the
  editor plugin handles it (VS Code runs an item's command when the item is accepted) and
  turns it into the notification below.
- `fillin/didShowCompletion {"id"}`: the suggestion was put on screen.
- `fillin/didAcceptCompletion {"id", "acceptedLength"?}`: all of it was accepted, or a part
  (`acceptedLength`, in Unicode code points, the length accepted so far; omitted means all).
- `fillin/didDismissCompletion {"id"}`: it went away without any of it being accepted.

When the server returns a suggestion it records its figures (language, model, trigger,
length, latency, validation outcome) with `context.stats`; the notifications update that
row. Nothing but lengths, timings and labels is stored, in the user's cache directory, and
nothing is ever sent anywhere. `stats.enabled = false` records nothing. Writes run on one
background thread in arrival order, so a request never waits for the disk and a
notification never overtakes the record it updates; a database that cannot be opened is
reported once and statistics stay off for that file.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import attrs

from context.pipeline import CompletionRequest, CompletionResult
from context.settings import Settings
from context.stats import (
    EventKind,
    StatsStore,
    StatsStoreError,
    SuggestionRecord,
    default_stats_path,
    outcome_of,
)
from lsp_server.protocol import notification_type, register_message
from lsp_server.results import Surface
from lsp_server.server import FillinServer

logger = logging.getLogger(__name__)

DID_SHOW = "fillin/didShowCompletion"
DID_ACCEPT = "fillin/didAcceptCompletion"
DID_DISMISS = "fillin/didDismissCompletion"
_KINDS: dict[str, EventKind] = {DID_SHOW: "shown", DID_ACCEPT: "accepted", DID_DISMISS: "dismissed"}
_REMEMBERED_IDS = 4096


@attrs.define
class SuggestionEventParams:
    """Params of the three notifications: the suggestion's id, and for an accept how much."""

    id: str
    accepted_length: int | None = None


def register(server: FillinServer) -> None:
    """Register the notifications and listen to every completion the server answers."""
    recorder = StatsRecorder(server)
    for method in _KINDS:
        register_message(method, notification_type(method, SuggestionEventParams))
        server.feature(method)(recorder.handler(method))
    server.state.completion_listeners.append(recorder.record)


class StatsRecorder:
    """Records returned suggestions and the editor's events, off the event loop."""

    def __init__(self, server: FillinServer) -> None:
        self._server = server
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fillin-stats")
        self._stores: dict[Path, StatsStore | None] = {}
        # Which database holds each recent suggestion, so events find their row.
        self._where: OrderedDict[str, Path] = OrderedDict()

    def handler(self, method: str) -> Callable[[SuggestionEventParams], None]:
        """The notification handler for `method`."""
        kind = _KINDS[method]

        def handle(params: SuggestionEventParams) -> None:
            path = self._where.get(params.id)
            if path is None:
                logger.debug("%s for unknown suggestion %s is ignored", method, params.id)
                return
            self._submit(
                path, lambda store: store.record_event(params.id, kind, params.accepted_length)
            )

        handle.__doc__ = f"Record `{method}`."
        return handle

    def record(
        self, request: CompletionRequest, result: CompletionResult, surface: Surface
    ) -> None:
        """The completion listener: record the suggestions (and validation rejections) of one
        answered request. Inline suggestions are counted by their trigger ("invoked",
        "automatic"), the other surfaces by name ("completion", "generate")."""
        trigger = request.trigger if surface == "inline" else surface
        self._loop = asyncio.get_running_loop()
        state = self._server.state
        folder = state.folder_for(request.document.path)
        root = folder.root if folder else None
        settings, _ = state.settings_for(root)
        if not settings.stats.enabled:
            return
        path = default_stats_path(settings.index.directory)

        def record_of(suggestion_id: str, n_chars: int, outcome: str) -> SuggestionRecord:
            return SuggestionRecord(
                suggestion_id=suggestion_id,
                language=request.document.language_id or "(unknown)",
                model=_model_label(settings, result.backend),
                trigger=trigger,
                n_chars=n_chars,
                total_ms=result.timings.total_ms,
                outcome=outcome,
                first_token_ms=result.timings.first_token_ms,
                workspace=str(root) if root else "",
            )

        is_validated = settings.validation.enabled
        records = [
            record_of(s.id, len(s.text), outcome_of(result, s, is_validated=is_validated))
            for s in result.suggestions
        ]
        if not result.suggestions and outcome_of(result, None, is_validated=True) == "rejected":
            # A suggestion that validation dropped was never shown, but its outcome counts.
            records.append(record_of(uuid.uuid4().hex, len(result.rejected[0].text), "rejected"))
        for record in records:
            self._remember(record.suggestion_id, path)
            self._submit(path, partial(_write_record, record))

    async def drain(self) -> None:
        """Wait until every write submitted so far is done (tests and shutdown use it)."""
        await asyncio.wrap_future(self._executor.submit(lambda: None))

    def _remember(self, suggestion_id: str, path: Path) -> None:
        self._where[suggestion_id] = path
        while len(self._where) > _REMEMBERED_IDS:
            self._where.popitem(last=False)

    def _submit(self, path: Path, write: Callable[[StatsStore], object]) -> None:
        def run() -> None:
            store = self._store(path)
            if store is None:
                return
            try:
                write(store)
            except StatsStoreError as exc:
                logger.warning("%s", exc)

        self._executor.submit(run)

    def _store(self, path: Path) -> StatsStore | None:
        """The store at `path`, opened on first use (on the writer thread)."""
        if path not in self._stores:
            try:
                self._stores[path] = StatsStore(path)
            except StatsStoreError as exc:
                self._stores[path] = None
                if self._loop is not None:
                    # Messages go out from the event loop's thread, never from this one.
                    notice = (f"stats:{path}", f"fillin: {exc}")
                    self._loop.call_soon_threadsafe(self._server.notices.show, *notice)
        return self._stores[path]


def _write_record(record: SuggestionRecord, store: StatsStore) -> None:
    store.record_suggestion(record)


def _model_label(settings: Settings, backend: str) -> str:
    """How a model is named in the statistics: the configured name, else the backend."""
    return settings.model.name or settings.model.path.rsplit("/", 1)[-1] or backend
