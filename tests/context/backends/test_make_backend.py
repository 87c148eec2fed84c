"""`make_backend`: which backend and template the model settings select."""

from __future__ import annotations

import pytest

from context.backends import make_backend
from context.backends.embedded import EmbeddedBackend
from context.backends.llamacpp import LlamaCppBackend
from context.backends.ollama import OllamaBackend
from context.backends.openai import OpenAIBackend
from context.backends.openai_chat import OpenAIChatBackend
from context.errors import SettingsError
from context.settings import Backend, ModelSettings

# (model settings, backend class, backend name, template name)
CASES: list[tuple[ModelSettings, type, str, str]] = [
    (ModelSettings(), EmbeddedBackend, "embedded", "prefix-only"),
    (ModelSettings(backend="embedded"), EmbeddedBackend, "embedded", "prefix-only"),
    (ModelSettings(backend="llamacpp"), LlamaCppBackend, "llamacpp", "prefix-only"),
    (
        ModelSettings(backend="openai", name="Qwen/Qwen2.5-Coder-7B"),
        OpenAIBackend,
        "openai",
        "qwen2.5-coder",
    ),
    (
        ModelSettings(backend="ollama", name="codellama:7b-code"),
        OllamaBackend,
        "ollama",
        "codellama",
    ),
    (
        ModelSettings(backend="ollama", name="codellama:7b-code", template="starcoder"),
        OllamaBackend,
        "ollama",
        "starcoder",
    ),
    (
        ModelSettings(backend="openai-chat", name="gpt-4o"),
        OpenAIChatBackend,
        "openai-chat",
        "prefix-only",
    ),
]


@pytest.mark.parametrize(("model", "cls", "name", "template"), CASES)
async def test_selects_backend_and_template(
    model: ModelSettings, cls: type, name: str, template: str
) -> None:
    backend = make_backend(model)
    assert isinstance(backend, cls)
    assert backend.name == name
    assert backend.template.name == template
    await backend.aclose()


@pytest.mark.parametrize(
    ("model", "is_using_infill"),
    [
        # The server knows its model's FIM tokens: learn its layout through /infill
        # unless a template says how to lay prompts out for /completion.
        (ModelSettings(backend="llamacpp"), True),
        (ModelSettings(backend="llamacpp", template="prefix-only"), False),
        (ModelSettings(backend="llamacpp", template="qwen2.5-coder"), False),
        (ModelSettings(backend="llamacpp", name="qwen2.5-coder-1.5b"), False),
    ],
)
async def test_llamacpp_tries_infill_unless_a_template_says_otherwise(
    model: ModelSettings, is_using_infill: bool
) -> None:
    backend = make_backend(model)
    assert isinstance(backend, LlamaCppBackend)
    assert backend.is_using_infill is is_using_infill
    await backend.aclose()


@pytest.mark.parametrize("kind", ["llamacpp", "openai", "ollama", "openai-chat", "embedded"])
def test_a_bad_template_names_the_setting(kind: Backend) -> None:
    with pytest.raises(SettingsError) as caught:
        make_backend(ModelSettings(backend=kind, template="nope"))
    assert caught.value.key == "model.template"
