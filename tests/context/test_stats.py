"""The acceptance statistics store: events, idempotence, aggregation and pruning."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from context.stats import (
    MAX_AGE_DAYS,
    EventKind,
    StatsStore,
    StatsStoreError,
    SuggestionRecord,
    default_stats_path,
    percentile,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StatsStore]:
    s = StatsStore(tmp_path / "cache" / "stats.sqlite")
    yield s
    s.close()


def record(
    suggestion_id: str,
    *,
    language: str = "python",
    model: str = "smollm2",
    trigger: str = "automatic",
    n_chars: int = 10,
    first_token_ms: float | None = 20.0,
    total_ms: float = 100.0,
    outcome: str = "valid",
    created_at: float | None = None,
) -> SuggestionRecord:
    return SuggestionRecord(
        suggestion_id=suggestion_id,
        language=language,
        model=model,
        trigger=trigger,
        n_chars=n_chars,
        first_token_ms=first_token_ms,
        total_ms=total_ms,
        outcome=outcome,
        workspace="/repo",
        created_at=time.time() if created_at is None else created_at,
    )


# Each case: the events sent for one 10-character suggestion, and what the report counts:
# (shown, accepted, dismissed, accepted chars).
EVENT_CASES: list[tuple[str, list[tuple[EventKind, int | None]], tuple[int, int, int, int]]] = [
    ("returned but never shown", [], (0, 0, 0, 0)),
    ("shown only", [("shown", None)], (1, 0, 0, 0)),
    ("shown twice counts once", [("shown", None), ("shown", None)], (1, 0, 0, 0)),
    ("shown then accepted whole", [("shown", None), ("accepted", None)], (1, 1, 0, 10)),
    ("accepted without a show event", [("accepted", None)], (1, 1, 0, 10)),
    ("partial accept", [("shown", None), ("accepted", 4)], (1, 1, 0, 4)),
    ("partial accepts keep the largest", [("accepted", 4), ("accepted", 7)], (1, 1, 0, 7)),
    ("longer than the suggestion is clamped", [("accepted", 99)], (1, 1, 0, 10)),
    ("negative length is zero", [("accepted", -3)], (1, 1, 0, 0)),
    ("dismissed", [("shown", None), ("dismissed", None)], (1, 0, 1, 0)),
    ("partly accepted then dismissed stays accepted", [("accepted", 3), ("dismissed", None)],
     (1, 1, 0, 3)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("events", "expected"),
    [case[1:] for case in EVENT_CASES],
    ids=[case[0] for case in EVENT_CASES],
)
def test_events_are_counted(
    store: StatsStore,
    events: list[tuple[EventKind, int | None]],
    expected: tuple[int, int, int, int],
) -> None:
    store.record_suggestion(record("s1"))
    for kind, accepted in events:
        assert store.record_event("s1", kind, accepted)
    g = store.summarize().overall
    assert (g.n_shown, g.n_accepted, g.n_dismissed, g.accepted_chars) == expected
    assert g.n_suggestions == 1


def test_event_for_unknown_id_is_ignored(store: StatsStore) -> None:
    assert not store.record_event("nope", "shown")
    assert not store.record_event("nope", "accepted", 3)
    assert store.summarize().overall.n_suggestions == 0


def test_report_groups_by_language_model_and_trigger(store: StatsStore) -> None:
    store.record_suggestion(record("a", language="python", trigger="automatic", total_ms=100))
    store.record_suggestion(record("b", language="python", trigger="invoked", total_ms=300))
    store.record_suggestion(
        record("c", language="go", model="qwen", outcome="trimmed", total_ms=200)
    )
    store.record_suggestion(
        record("d", language="go", model="qwen", outcome="rejected", first_token_ms=None)
    )
    for sid in "abc":
        store.record_event(sid, "shown")
    store.record_event("a", "accepted")
    store.record_event("c", "accepted", 5)

    report = store.summarize()
    assert report.overall.n_suggestions == 4
    assert report.overall.acceptance_rate == pytest.approx(2 / 3)
    assert report.overall.accepted_chars == 15
    assert report.overall.outcomes == {"rejected": 1, "trimmed": 1, "valid": 2}
    assert report.overall.first_token_ms.n == 3
    assert set(report.by["language"]) == {"go", "python"}
    assert report.by["language"]["python"].acceptance_rate == pytest.approx(1 / 2)
    assert report.by["language"]["go"].outcomes == {"rejected": 1, "trimmed": 1}
    assert report.by["model"]["qwen"].n_suggestions == 2
    assert set(report.by["trigger"]) == {"automatic", "invoked"}
    assert report.by["trigger"]["invoked"].total_ms.p50 == 300
    for dimension, groups in report.by.items():
        assert sum(g.n_suggestions for g in groups.values()) == 4, dimension


def test_acceptance_rate_is_none_without_shown_suggestions(store: StatsStore) -> None:
    store.record_suggestion(record("a"))
    assert store.summarize().overall.acceptance_rate is None


def test_since_and_workspace_filter(store: StatsStore) -> None:
    now = time.time()
    store.record_suggestion(record("old", created_at=now - 10 * 86400))
    store.record_suggestion(record("new", created_at=now))
    assert store.summarize(since=now - 86400).overall.n_suggestions == 1
    assert store.summarize(workspace="/repo").overall.n_suggestions == 2
    assert store.summarize(workspace="/elsewhere").overall.n_suggestions == 0


def test_rows_persist_across_opens_and_old_rows_are_pruned(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    first = StatsStore(path)
    first.record_suggestion(record("kept"))
    first.record_suggestion(record("ancient", created_at=time.time() - (MAX_AGE_DAYS + 1) * 86400))
    first.close()
    second = StatsStore(path)
    try:
        assert second.summarize().overall.n_suggestions == 1
        assert second.record_event("kept", "shown")
    finally:
        second.close()


def test_clear_deletes_everything(store: StatsStore) -> None:
    store.record_suggestion(record("a"))
    store.record_suggestion(record("b"))
    assert store.clear() == 2
    assert store.summarize().overall.n_suggestions == 0


def test_concurrent_writers_lose_nothing(store: StatsStore) -> None:
    def write(prefix: str) -> None:
        for i in range(50):
            store.record_suggestion(record(f"{prefix}{i}"))
            store.record_event(f"{prefix}{i}", "shown")

    threads = [threading.Thread(target=write, args=(p,)) for p in "xyz"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.summarize().overall.n_shown == 150


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StatsStoreError, match="delete the file"):
        StatsStore(path)


def test_database_is_plain_sqlite_without_code(store: StatsStore) -> None:
    store.record_suggestion(record("a"))
    with sqlite3.connect(store.path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(suggestions)")}
    assert not columns & {"text", "prompt", "code", "path"}


def test_default_path_is_in_the_cache_dir_or_the_index_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_stats_path() == tmp_path / "xdg" / "fillin" / "stats.sqlite"
    assert default_stats_path(str(tmp_path / "idx")) == tmp_path / "idx" / "stats.sqlite"


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 50, None),
        ([7.0], 95, 7.0),
        ([1.0, 2.0, 3.0], 50, 2.0),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([0.0, 10.0], 95, 9.5),
    ],
)
def test_percentile(values: list[float], q: float, expected: float | None) -> None:
    assert percentile(values, q) == expected
