"""Settings: layers merge, bad keys are reported by dotted path and keep their defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from context.settings import Settings, load_settings, read_workspace_settings, settings_schema

CASES: list[dict[str, Any]] = [
    {
        "description": "a valid layer is applied",
        "layers": [{"model": {"backend": "ollama", "maxTokens": 64}}],
        "expect": {"model.backend": "ollama", "model.max_tokens": 64},
        "problems": [],
    },
    {
        "description": "later layers win, deep",
        "layers": [
            {"model": {"backend": "ollama", "url": "http://a"}},
            {"fillin": {"model": {"url": "http://b"}}},
        ],
        "expect": {"model.backend": "ollama", "model.url": "http://b"},
        "problems": [],
    },
    {
        "description": "an enum value outside its choices keeps the default",
        "layers": [{"model": {"backend": "gpt"}}],
        "expect": {"model.backend": ""},
        "problems": ["model.backend"],
    },
    {
        "description": "a negative count keeps the default",
        "layers": [{"model": {"maxTokens": -1}}],
        "expect": {"model.max_tokens": 128},
        "problems": ["model.maxTokens"],
    },
    {
        "description": "a boolean is not a number",
        "layers": [{"model": {"temperature": True}}],
        "expect": {"model.temperature": 0.2},
        "problems": ["model.temperature"],
    },
    {
        "description": "a misspelt key is reported with a suggestion",
        "layers": [{"validation": {"sytax": "trim"}}],
        "expect": {"validation.syntax": "reject"},
        "problems": ["validation.sytax"],
    },
    {
        "description": "a section that is not an object",
        "layers": [{"context": 3}],
        "expect": {"context.max_prompt_tokens": 2048},
        "problems": ["context"],
    },
    {
        "description": "one bad key does not spoil its siblings",
        "layers": [{"context": {"prefixShare": 7, "maxPromptTokens": 1024}}],
        "expect": {"context.prefix_share": 0.5, "context.max_prompt_tokens": 1024},
        "problems": ["context.prefixShare"],
    },
    {
        "description": "lists become tuples",
        "layers": [{"model": {"stop": ["\n\n"]}}],
        "expect": {"model.stop": ("\n\n",)},
        "problems": [],
    },
    {
        "description": "a string where a list belongs",
        "layers": [{"model": {"stop": "x"}}],
        "expect": {"model.stop": ()},
        "problems": ["model.stop"],
    },
]


def _get(settings: Settings, dotted: str) -> Any:
    value: Any = settings
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("case", CASES, ids=[c["description"] for c in CASES])
def test_load_settings(case: dict[str, Any]) -> None:
    settings, problems = load_settings(*case["layers"])
    for dotted, expected in case["expect"].items():
        assert _get(settings, dotted) == expected
    assert [p.key for p in problems] == case["problems"]
    for problem in problems:
        assert str(problem).startswith(problem.key + ": ")


def test_unknown_key_suggests_the_close_one() -> None:
    _, problems = load_settings({"model": {"temprature": 0.1}})
    assert "did you mean model.temperature?" in problems[0].message


def test_workspace_files_layer_in_order(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fillin.model]\nbackend = "ollama"\nurl = "http://a"\n', encoding="utf-8"
    )
    (tmp_path / "fillin.toml").write_text('[model]\nurl = "http://b"\n', encoding="utf-8")
    layer, problems = read_workspace_settings(tmp_path)
    settings, more = load_settings(layer)
    assert problems == [] and more == []
    assert (settings.model.backend, settings.model.url) == ("ollama", "http://b")


def test_broken_toml_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "fillin.toml").write_text("[model\n", encoding="utf-8")
    layer, problems = read_workspace_settings(tmp_path)
    assert layer == {}
    assert problems and "fillin.toml" in problems[0].key


def test_schema_lists_every_leaf_in_camel_case() -> None:
    keys = [row.key for row in settings_schema()]
    assert "model.apiKeyEnv" in keys and "validation.unknownDependency" in keys
    assert all("_" not in key for key in keys)
    assert all(row.doc for row in settings_schema())
