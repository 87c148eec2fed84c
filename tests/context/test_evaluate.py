"""The engine of `fillin eval`: holes, scores and the report, on a real fixture repository
with a real index. The loopback model server (tests/modelserver.py) stands in for an
external model service so that exact matches are known in advance.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from context.backends import make_backend
from context.evaluate import (
    CONFIGURATIONS,
    EvalOptions,
    candidate_lines,
    configuration_settings,
    edit_similarity,
    evaluate,
    levenshtein,
    plan_holes,
)
from context.languages import language_named
from context.pipeline import Engine
from context.settings import IndexSettings, Settings, load_settings
from context.workspace import Workspace
from tests.modelserver import ModelServer

PY_SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "py_shop"


@pytest.fixture
async def workspace(tmp_path: Path) -> AsyncIterator[Workspace]:
    """py_shop indexed into a temporary directory (the repository is only read)."""
    indexed = Workspace(PY_SHOP, IndexSettings(directory=str(tmp_path / "index")))
    await indexed.index()
    yield indexed
    indexed.close()


def engine_for(workspace: Workspace, settings: Settings) -> Engine:
    return Engine(settings, make_backend(settings.model), workspace, workspace.root)


def scripted_settings(server: ModelServer) -> Settings:
    settings, problems = load_settings(
        {"model": {"backend": "openai", "url": f"{server.url}/v1", "template": "codellama"}}
    )
    assert problems == []
    return settings


@pytest.mark.parametrize(
    ("a", "b", "distance", "similarity"),
    [
        ("", "", 0, 1.0),
        ("abc", "abc", 0, 1.0),
        ("abc", "", 3, 0.0),
        ("kitten", "sitting", 3, 1 - 3 / 7),
        ("return x", "return y", 1, 1 - 1 / 8),
    ],
)
def test_levenshtein_and_edit_similarity(a: str, b: str, distance: int, similarity: float) -> None:
    assert levenshtein(a, b) == distance == levenshtein(b, a)
    assert edit_similarity(a, b) == pytest.approx(similarity)


def test_candidate_lines_are_code_only() -> None:
    text = (
        '"""A module docstring\n'
        'that spans lines."""\n'
        "import os\n"
        "\n"
        "# a comment about the code\n"
        "def area(width, height):\n"
        "    result = width * height\n"
        "    return result\n"
        "x = 1\n"
        "values = [\n"
        "    1,\n"
        "]\n"
    )
    lang = language_named("python")
    assert lang is not None
    lines = {line_idx: code for line_idx, code, _ in candidate_lines(text, lang)}
    assert lines == {
        2: "import os",
        5: "def area(width, height):",
        6: "result = width * height",
        7: "return result",
        9: "values = [",
    }


async def test_holes_are_deterministic_and_mixed(workspace: Workspace) -> None:
    engine = engine_for(workspace, Settings())
    options = EvalOptions(n_holes=10, seed=7)

    first = await plan_holes(engine, options)
    again = await plan_holes(engine, options)
    other = await plan_holes(engine, dataclasses.replace(options, seed=8))

    assert first.holes == again.holes
    assert first.holes != other.holes
    assert len(first.holes) == 10
    kinds = [h.kind for h in first.holes]
    assert kinds.count("cross-file") == 5 == kinds.count("plain")
    for hole in first.holes:
        line = first.texts[hole.rel_path].split("\n")[hole.line_idx]
        assert line.strip() == hole.expected
        document, offset = hole.document(first.texts[hole.rel_path])
        assert document.text[:offset].endswith("\n" + line[: len(line) - len(line.lstrip())])
        if hole.kind == "cross-file":
            assert hole.names
            for name in hole.names:
                defined_in = {row.rel_path for row in workspace.store.definitions(name)}
                assert defined_in and hole.rel_path not in defined_in


async def test_languages_filter_and_small_repositories(workspace: Workspace) -> None:
    engine = engine_for(workspace, Settings())

    none = await plan_holes(engine, EvalOptions(n_holes=10, languages=("go",)))
    every = await plan_holes(engine, EvalOptions(n_holes=10_000))

    assert none.holes == ()
    assert len(every.holes) == sum(every.n_candidates.values())


async def test_report_adds_up_and_exact_answers_score_one(workspace: Workspace) -> None:
    options = EvalOptions(n_holes=6, seed=3)
    with ModelServer() as server:
        engine = engine_for(workspace, scripted_settings(server))
        planned = await plan_holes(engine, options)
        # Requests come hole by hole, baseline first: baseline gets a wrong line, fillin
        # the exact one.
        server.replies = [
            reply
            for hole in planned.holes
            for reply in ("wrong_name_here()\n", hole.expected + "\n")
        ]
        progress: list[int] = []

        report = await evaluate(engine, options, lambda p: progress.append(p.n_done))
        await engine.backend.aclose()

    assert progress == list(range(1, 7))
    assert report.n_holes_run == 6 and not report.is_stopped_early
    assert [a.configuration for a in report.attempts] == list(CONFIGURATIONS) * 6
    fillin = report.summary("fillin")
    baseline = report.summary("baseline")
    assert fillin.n_holes == baseline.n_holes == 6
    assert fillin.n_exact == 6 and fillin.exact_match == 1.0
    assert fillin.edit_similarity == 1.0
    assert baseline.n_exact == 0 and baseline.edit_similarity is not None
    assert 0 <= baseline.edit_similarity < 1
    for configuration in CONFIGURATIONS:
        summary = report.summary(configuration)
        assert sum(summary.outcomes.values()) == summary.n_holes
        assert summary.n_valid <= summary.n_suggestions <= summary.n_holes
        assert summary.total_ms.n == summary.n_holes
        by_kind = [report.summary(configuration, kind) for kind in ("cross-file", "plain")]
        assert sum(s.n_holes for s in by_kind) == summary.n_holes
        assert sum(s.n_exact for s in by_kind) == summary.n_exact
    assert fillin.valid_share == 1.0
    assert set(baseline.outcomes) <= {"unchecked", "empty"}


async def test_time_limit_stops_before_the_next_hole(workspace: Workspace) -> None:
    with ModelServer(["x = 1\n"]) as server:
        engine = engine_for(workspace, scripted_settings(server))
        report = await evaluate(engine, EvalOptions(n_holes=6, time_limit_s=0.0))
        await engine.backend.aclose()

    assert report.is_stopped_early
    assert report.n_holes_run == 0 and report.attempts == ()
    assert len(report.holes) == 6
    assert report.summary("fillin").exact_match is None


def test_configurations_differ_only_in_context_and_validation() -> None:
    settings = Settings()
    baseline = configuration_settings(settings, "baseline")
    fillin = configuration_settings(settings, "fillin")

    assert (baseline.context.repository, baseline.validation.enabled) == (False, False)
    assert (fillin.context.repository, fillin.validation.enabled) == (True, True)
    assert baseline.model == fillin.model == settings.model
    assert baseline.completion.multiline == fillin.completion.multiline == "never"
    with pytest.raises(ValueError, match="unknown configuration"):
        configuration_settings(settings, "turbo")
