"""Local acceptance statistics: what fillin suggested, how fast, and what the user kept.

One SQLite file holds them, in the user's cache directory beside the symbol index (or in
`index.directory` when that is set), never inside a repository. Nothing here is ever sent
anywhere, and no code is stored: a row holds lengths, timings and labels (language, model,
trigger, validation outcome), keyed by the suggestion's id.

The life of a suggestion:

1. the server returns it and calls `StatsStore.record_suggestion` with its figures;
2. the editor shows it (`record_event(id, "shown")`);
3. the user accepts all of it or a part (`"accepted"`, with the accepted length) or dismisses
   it (`"dismissed"`).

Events for unknown ids are ignored (the suggestion may have been made while statistics were
off, or pruned). Repeated events are idempotent: a suggestion is shown once, its accepted
length is the largest one reported. A suggestion that was accepted counts as shown even when
the editor never said so.

`summarize` turns the rows into a `StatsReport`: acceptance rate, accepted characters, latency
percentiles (first token and total) and validation outcomes, overall and by language, model
and trigger. The store keeps at most `MAX_ROWS` suggestions and drops those older than
`MAX_AGE_DAYS` when it opens, so it never grows without bound.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import platformdirs

from context.errors import FillinError
from context.private_files import private_database, private_dir

if TYPE_CHECKING:
    from context.pipeline import CompletionResult, Suggestion

EventKind = Literal["shown", "accepted", "dismissed"]
EVENT_KINDS: tuple[EventKind, ...] = ("shown", "accepted", "dismissed")
DIMENSIONS = ("language", "model", "trigger")
STATS_FILE = "stats.sqlite"
MAX_ROWS = 200_000
MAX_AGE_DAYS = 180
SCHEMA_VERSION = 1
OUTCOMES = ("valid", "unchecked", "trimmed", "annotated", "rejected", "empty", "error")
"""What became of a request: returned as is (`valid` after validation, `unchecked` without),
changed by a policy (`trimmed`, `annotated`), dropped by validation (`rejected`), nothing to
suggest (`empty`), or the model server failed (`error`)."""
VALIDATION_KINDS = frozenset({"syntax", "unknown-symbol", "arity", "unknown-dependency"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS suggestions (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    workspace TEXT NOT NULL,
    language TEXT NOT NULL,
    model TEXT NOT NULL,
    trigger TEXT NOT NULL,
    n_chars INTEGER NOT NULL,
    first_token_ms REAL,
    total_ms REAL NOT NULL,
    outcome TEXT NOT NULL,
    shown_at REAL,
    accepted_at REAL,
    accepted_chars INTEGER NOT NULL DEFAULT 0,
    dismissed_at REAL
);
CREATE INDEX IF NOT EXISTS suggestions_created_at ON suggestions (created_at);
"""


class StatsStoreError(FillinError):
    """The statistics database cannot be opened or written."""


@dataclass(frozen=True)
class SuggestionRecord:
    """The figures of one returned suggestion, recorded when the server returns it.

    `trigger` says how it was asked for (`invoked`, `automatic`, `completion`, `generate`);
    `outcome` is the validation outcome (`valid`, `trimmed`, `annotated`, `rejected`,
    `unchecked`). Times are milliseconds; `first_token_ms` is None when no token arrived.
    """

    suggestion_id: str
    language: str
    model: str
    trigger: str
    n_chars: int
    total_ms: float
    outcome: str
    first_token_ms: float | None = None
    workspace: str = ""
    created_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Percentiles:
    """Latency percentiles in milliseconds over `n` samples (None without samples)."""

    n: int
    p50: float | None
    p90: float | None
    p95: float | None

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Percentiles:
        """The percentiles of the values that are not None."""
        ordered = sorted(v for v in values if v is not None)
        return cls(
            len(ordered),
            percentile(ordered, 50),
            percentile(ordered, 90),
            percentile(ordered, 95),
        )


@dataclass(frozen=True)
class GroupStats:
    """The figures of a group of suggestions (all of them, or one language, model, trigger).

    `acceptance_rate` is accepted / shown (None when nothing was shown); `accepted_chars`
    sums the accepted lengths, so partial accepts count what the user kept.
    """

    n_suggestions: int
    n_shown: int
    n_accepted: int
    n_dismissed: int
    shown_chars: int
    accepted_chars: int
    first_token_ms: Percentiles
    total_ms: Percentiles
    outcomes: Mapping[str, int]

    @property
    def acceptance_rate(self) -> float | None:
        """The share of shown suggestions that were accepted, fully or in part."""
        return self.n_accepted / self.n_shown if self.n_shown else None


@dataclass(frozen=True)
class StatsReport:
    """Acceptance statistics overall and broken down by language, model and trigger."""

    path: Path
    since: float | None
    overall: GroupStats
    by: Mapping[str, Mapping[str, GroupStats]]


def default_stats_path(index_directory: str = "") -> Path:
    """Where the statistics live: `index.directory` when set, else the user's cache dir."""
    if index_directory:
        return Path(index_directory).expanduser() / STATS_FILE
    return Path(platformdirs.user_cache_dir("fillin", appauthor=False)) / STATS_FILE


class StatsStore:
    """The statistics database. Safe to share between threads; every call is short."""

    def __init__(self, path: Path) -> None:
        """Open (creating when needed) the database at `path` and prune old rows.

        Raises `StatsStoreError` when the file cannot be opened or is not a fillin database.
        """
        self.path = path
        self._lock = threading.Lock()
        try:
            private_dir(path.parent)
            private_database(path)
            self._db = sqlite3.connect(path, timeout=5.0, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._prune(time.time())
        except (OSError, sqlite3.Error) as exc:
            raise StatsStoreError(
                f"{path}: cannot open the statistics database ({exc}); "
                "delete the file or set stats.enabled to false"
            ) from exc

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        with self._lock:
            self._db.close()

    def record_suggestion(self, record: SuggestionRecord) -> None:
        """Store a returned suggestion's figures (a repeated id replaces the old row)."""
        self._write(
            "INSERT OR REPLACE INTO suggestions (id, created_at, workspace, language, model,"
            " trigger, n_chars, first_token_ms, total_ms, outcome)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.suggestion_id,
                record.created_at,
                record.workspace,
                record.language,
                record.model,
                record.trigger,
                record.n_chars,
                record.first_token_ms,
                record.total_ms,
                record.outcome,
            ),
        )

    def record_event(
        self,
        suggestion_id: str,
        kind: EventKind,
        accepted_chars: int | None = None,
        at: float | None = None,
    ) -> bool:
        """Note what the editor did with a suggestion; False when the id is unknown.

        For `accepted`, `accepted_chars` is how much of the text was kept (None: all of it);
        it is clamped to the suggestion's length and only ever grows.
        """
        when = time.time() if at is None else at
        if kind == "shown":
            return self._write(
                "UPDATE suggestions SET shown_at = COALESCE(shown_at, ?) WHERE id = ?",
                (when, suggestion_id),
            )
        if kind == "dismissed":
            return self._write(
                "UPDATE suggestions SET dismissed_at = COALESCE(dismissed_at, ?) WHERE id = ?",
                (when, suggestion_id),
            )
        kept = max(0, accepted_chars) if accepted_chars is not None else None
        return self._write(
            "UPDATE suggestions SET accepted_at = COALESCE(accepted_at, ?),"
            " shown_at = COALESCE(shown_at, ?),"
            " accepted_chars = MAX(accepted_chars, MIN(n_chars, COALESCE(?, n_chars)))"
            " WHERE id = ?",
            (when, when, kept, suggestion_id),
        )

    def summarize(self, since: float | None = None, workspace: str | None = None) -> StatsReport:
        """The report over suggestions made at or after `since` (all when None)."""
        query = (
            "SELECT language, model, trigger, n_chars, first_token_ms, total_ms, outcome,"
            " shown_at, accepted_at, accepted_chars, dismissed_at FROM suggestions"
            " WHERE created_at >= ?"
        )
        params: list[Any] = [since if since is not None else -math.inf]
        if workspace is not None:
            query += " AND workspace = ?"
            params.append(workspace)
        with self._lock:
            try:
                rows = [_Row(*row) for row in self._db.execute(query, params)]
            except sqlite3.Error as exc:
                raise StatsStoreError(f"{self.path}: cannot read statistics ({exc})") from exc
        by: dict[str, dict[str, GroupStats]] = {}
        for dimension in DIMENSIONS:
            groups: dict[str, list[_Row]] = {}
            for row in rows:
                groups.setdefault(getattr(row, dimension) or "(unknown)", []).append(row)
            by[dimension] = {name: _group(members) for name, members in sorted(groups.items())}
        return StatsReport(self.path, since, _group(rows), by)

    def clear(self) -> int:
        """Delete every row; returns how many there were."""
        with self._lock:
            n_rows: int = self._db.execute("SELECT COUNT(*) FROM suggestions").fetchone()[0]
            with self._db:
                self._db.execute("DELETE FROM suggestions")
        return n_rows

    def _write(self, sql: str, params: Sequence[Any]) -> bool:
        with self._lock:
            try:
                with self._db:
                    cursor = self._db.execute(sql, params)
            except sqlite3.Error as exc:
                raise StatsStoreError(f"{self.path}: cannot record statistics ({exc})") from exc
        return cursor.rowcount > 0

    def _prune(self, now: float) -> None:
        with self._db:
            self._db.execute(
                "DELETE FROM suggestions WHERE created_at < ?", (now - MAX_AGE_DAYS * 86400,)
            )
            self._db.execute(
                "DELETE FROM suggestions WHERE id IN (SELECT id FROM suggestions"
                " ORDER BY created_at DESC LIMIT -1 OFFSET ?)",
                (MAX_ROWS,),
            )


def outcome_of(
    result: CompletionResult, suggestion: Suggestion | None, *, is_validated: bool
) -> str:
    """The outcome (one of `OUTCOMES`) of `suggestion`, or of a result without one."""
    if result.error is not None:
        return "error"
    if suggestion is None:
        return "rejected" if any(_is_validation(r.reason) for r in result.rejected) else "empty"
    if any(action.endswith("trim") for action in suggestion.actions):
        return "trimmed"
    if suggestion.problems:
        return "annotated"
    return "valid" if is_validated else "unchecked"


def _is_validation(reason: str) -> bool:
    kind = reason.split(":", 1)[0].strip().replace("_", "-")
    return kind in VALIDATION_KINDS


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) of sorted values, interpolating linearly; None if empty."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class _Row:
    language: str
    model: str
    trigger: str
    n_chars: int
    first_token_ms: float | None
    total_ms: float
    outcome: str
    shown_at: float | None
    accepted_at: float | None
    accepted_chars: int
    dismissed_at: float | None

    @property
    def is_shown(self) -> bool:
        return self.shown_at is not None or self.accepted_at is not None


def _group(rows: Sequence[_Row]) -> GroupStats:
    shown = [row for row in rows if row.is_shown]
    return GroupStats(
        n_suggestions=len(rows),
        n_shown=len(shown),
        n_accepted=sum(1 for row in rows if row.accepted_at is not None),
        n_dismissed=sum(
            1 for row in rows if row.dismissed_at is not None and row.accepted_at is None
        ),
        shown_chars=sum(row.n_chars for row in shown),
        accepted_chars=sum(row.accepted_chars for row in rows),
        first_token_ms=Percentiles.of(row.first_token_ms for row in rows),
        total_ms=Percentiles.of(row.total_ms for row in rows),
        outcomes=dict(sorted(Counter(row.outcome for row in rows).items())),
    )
