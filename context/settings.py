"""fillin's settings: one typed, frozen model with defaults, and the loader that fills it.

Settings arrive as camelCase JSON-like mappings from several layers (a `[tool.fillin]` table
in pyproject.toml or a `fillin.toml`, LSP initializationOptions, `workspace/didChangeConfiguration`
and command-line overrides); `load_settings` merges them in that order. Every key is checked on
its own: a bad value or an unknown key becomes a `SettingsProblem` naming its dotted path, and
that key keeps its default, so one typo never takes the whole configuration down.

Settings are passed into the pipeline explicitly; nothing reads them from a global.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

import cattrs

Backend = Literal["", "llamacpp", "openai", "ollama", "openai-chat", "embedded"]
Policy = Literal["reject", "trim", "annotate", "off"]
Multiline = Literal["auto", "always", "never"]


def _meta(
    doc: str,
    predicate: Callable[[Any], bool] | None = None,
    hint: str = "",
    *,
    restricted: bool = False,
    secret: bool = False,
) -> dict[str, Any]:
    """Field metadata: what the setting does, and what a value must satisfy to be used.

    `restricted` marks a key that chooses where code goes or what runs: a workspace's own
    settings files may set it only once the user trusts the folder (`context.trust`), and a
    TCP client never. `secret` keeps a rejected value out of messages.
    """
    return {
        "doc": doc,
        "check": predicate,
        "hint": hint,
        "restricted": restricted,
        "secret": secret,
    }


def _positive(v: Any) -> bool:
    return bool(v > 0)


def _share(v: Any) -> bool:
    return bool(0.0 <= v <= 1.0)


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def _env_name(v: Any) -> bool:
    return v == "" or _ENV_NAME.fullmatch(v) is not None


@dataclass(frozen=True)
class ModelSettings:
    """Which model server to use and how to ask it."""

    backend: Backend = field(
        default="",
        metadata=_meta(
            "Model server kind; empty means `embedded` with the bundled SmolLM2 model",
            restricted=True,
        ),
    )
    url: str = field(
        default="",
        metadata=_meta(
            "API base of the model server, e.g. `http://127.0.0.1:8080` or `http://host:8000/v1`",
            restricted=True,
        ),
    )
    name: str = field(
        default="", metadata=_meta("Model name sent to the server; also used to infer the template")
    )
    template: str = field(
        default="",
        metadata=_meta(
            "Prompt template (`starcoder`, `codellama`, `deepseek-coder`, `qwen2.5-coder`, "
            "`codestral`, `codegemma`, `prefix-only`); empty infers it from `model.name`"
        ),
    )
    api_key_env: str = field(
        default="",
        metadata=_meta(
            "Name of the environment variable that holds the API key "
            "(keys are never read from settings)",
            _env_name,
            "an environment variable name such as `OPENAI_API_KEY` (put the key itself in "
            "that variable)",
            restricted=True,
            secret=True,
        ),
    )
    path: str = field(
        default="", metadata=_meta("GGUF file for the `embedded` backend", restricted=True)
    )
    max_tokens: int = field(
        default=128,
        metadata=_meta("Most tokens generated for one suggestion", _positive, "a positive integer"),
    )
    temperature: float = field(
        default=0.2,
        metadata=_meta("Sampling temperature", lambda v: 0.0 <= v <= 2.0, "a number from 0 to 2"),
    )
    timeout_ms: int = field(
        default=5000,
        metadata=_meta(
            "Longest wait for the model's next piece of text", _positive, "a positive integer"
        ),
    )
    first_token_timeout_ms: int = field(
        default=30000,
        metadata=_meta(
            "Longest wait for the first piece of text, prompt evaluation included",
            _positive,
            "a positive integer",
        ),
    )
    latency_target_ms: int = field(
        default=1000,
        metadata=_meta(
            "Time to the first token that the prompt evaluated now is sized for (measured "
            "throughput), and how long a multi-line suggestion is written before it ends at "
            "its next line break; the rest of the repository context joins as the cache "
            "warms; 0 always sends the whole `context.maxPromptTokens` budget and waits for "
            "whole blocks",
            lambda v: v >= 0,
            "0 (off) or a positive integer",
        ),
    )
    slots: int = field(
        default=1,
        metadata=_meta(
            "Generations the model server runs at once; more requests wait for a slot",
            lambda v: 1 <= v <= 64,
            "an integer from 1 to 64",
        ),
    )
    connect_timeout_ms: int = field(
        default=1500,
        metadata=_meta(
            "Longest wait to connect to the model server", _positive, "a positive integer"
        ),
    )
    stream_deadline_ms: int = field(
        default=30_000,
        metadata=_meta(
            "Longest time one answer may take from the request to its last byte, "
            "however steadily it streams",
            _positive,
            "a positive integer",
        ),
    )
    max_line_bytes: int = field(
        default=262_144,
        metadata=_meta(
            "Longest line (one streamed event) read from the model server",
            _positive,
            "a positive integer",
        ),
    )
    max_answer_bytes: int = field(
        default=8_388_608,
        metadata=_meta(
            "Most bytes read from the model server for one answer", _positive, "a positive integer"
        ),
    )
    stop: tuple[str, ...] = field(
        default=(), metadata=_meta("Extra stop strings, added to the template's")
    )
    n_candidates: int = field(
        default=1,
        metadata=_meta(
            "Candidates to ask for where the backend supports several; "
            "the best valid ones are returned first",
            lambda v: 1 <= v <= 8,
            "an integer from 1 to 8",
        ),
    )
    context_size: int = field(
        default=4096,
        metadata=_meta(
            "Context window of the `embedded` model, in tokens", _positive, "a positive integer"
        ),
    )
    threads: int = field(
        default=0,
        metadata=_meta(
            "CPU threads of the `embedded` model; 0 picks for you",
            lambda v: v >= 0,
            "0 (auto) or more",
        ),
    )


@dataclass(frozen=True)
class CompletionSettings:
    """When and how suggestions are made."""

    enabled: bool = field(default=True, metadata=_meta("Answer inline completion requests at all"))
    multiline: Multiline = field(
        default="auto",
        metadata=_meta(
            "Single- or multi-line suggestions; `auto` decides from the syntax tree at the cursor"
        ),
    )
    completion_items: bool = field(
        default=True,
        metadata=_meta("Also offer the suggestion as a `textDocument/completion` item"),
    )
    max_lines: int = field(
        default=24, metadata=_meta("Most lines in one suggestion", _positive, "a positive integer")
    )
    ignored_files: bool = field(
        default=False,
        metadata=_meta(
            "Complete inside files that .gitignore, .fillinignore or `index.exclude` exclude "
            "(their text is then sent to the model)"
        ),
    )
    cache: bool = field(
        default=True,
        metadata=_meta(
            "Remember suggestions by the text around the cursor: the inline suggestion and the "
            "completion item share one model call, and typing through a suggestion costs none"
        ),
    )
    warm_up: bool = field(
        default=True,
        metadata=_meta(
            "Prefill the model server's prompt cache while the user reads (on open, focus, "
            "a jump, after an accept)"
        ),
    )


@dataclass(frozen=True)
class ContextSettings:
    """How the prompt is assembled from the file and the repository."""

    max_prompt_tokens: int = field(
        default=2048,
        metadata=_meta(
            "Token budget of the whole prompt (counted with tiktoken)",
            lambda v: v >= 64,
            "an integer of at least 64",
        ),
    )
    prefix_share: float = field(
        default=0.5,
        metadata=_meta(
            "Share of the budget for the code before the cursor", _share, "a share from 0 to 1"
        ),
    )
    suffix_share: float = field(
        default=0.15,
        metadata=_meta(
            "Share of the budget for the code after the cursor; "
            "the rest goes to repository context",
            _share,
            "a share from 0 to 1",
        ),
    )
    repository: bool = field(
        default=True,
        metadata=_meta(
            "Add repository context (definitions, similar code, recent edits) to prompts"
        ),
    )
    retrieval_timeout_ms: int = field(
        default=30,
        metadata=_meta(
            "Deadline of each retrieval source; a late source contributes nothing",
            _positive,
            "a positive integer",
        ),
    )
    sources: tuple[str, ...] = field(
        default=("member", "definition", "scope", "similar", "recent"),
        metadata=_meta(
            "Retrieval sources to use, from `member`, `definition`, `scope`, `similar`, `recent`"
        ),
    )


@dataclass(frozen=True)
class IndexSettings:
    """What the symbol index covers and where it lives."""

    enabled: bool = field(default=True, metadata=_meta("Build and keep the symbol index"))
    directory: str = field(
        default="",
        metadata=_meta(
            "Where index databases live; empty means the user's cache directory",
            restricted=True,
        ),
    )
    max_file_bytes: int = field(
        default=1_000_000,
        metadata=_meta("Files larger than this are not indexed", _positive, "a positive integer"),
    )
    max_files: int = field(
        default=50_000,
        metadata=_meta("Most files indexed per workspace folder", _positive, "a positive integer"),
    )
    exclude: tuple[str, ...] = field(
        default=(),
        metadata=_meta("Extra gitignore-style patterns to leave out (as in `.fillinignore`)"),
    )
    include_dirs: tuple[str, ...] = field(
        default=(), metadata=_meta("C/C++ include directories, relative to the workspace root")
    )


@dataclass(frozen=True)
class ValidationSettings:
    """What happens to a suggestion that fails a check: one policy per kind of problem."""

    enabled: bool = field(default=True, metadata=_meta("Check suggestions before they are shown"))
    syntax: Policy = field(
        default="reject", metadata=_meta("Policy for suggestions that break the syntax")
    )
    unknown_symbol: Policy = field(
        default="trim", metadata=_meta("Policy for names that resolve to nothing")
    )
    arity: Policy = field(
        default="annotate", metadata=_meta("Policy for calls with the wrong number of arguments")
    )
    unknown_dependency: Policy = field(
        default="reject",
        metadata=_meta("Policy for imports of packages the project does not declare"),
    )


@dataclass(frozen=True)
class StatsSettings:
    """Local acceptance statistics; nothing is ever sent anywhere."""

    enabled: bool = field(
        default=True, metadata=_meta("Record acceptance statistics locally (never sent anywhere)")
    )


@dataclass(frozen=True)
class PrivacySettings:
    """What is kept out of prompts."""

    redact_secrets: bool = field(
        default=True,
        metadata=_meta(
            "Replace credentials (API keys, tokens, private keys, URL passwords) in prompts "
            "by `<redacted:KIND>` before they leave the process, for every backend"
        ),
    )


@dataclass(frozen=True)
class Settings:
    """The root of fillin's settings."""

    model: ModelSettings = field(default_factory=ModelSettings)
    completion: CompletionSettings = field(default_factory=CompletionSettings)
    context: ContextSettings = field(default_factory=ContextSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    validation: ValidationSettings = field(default_factory=ValidationSettings)
    stats: StatsSettings = field(default_factory=StatsSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    log_level: Literal["error", "warning", "info", "debug"] = field(
        default="info", metadata=_meta("Log verbosity")
    )


@dataclass(frozen=True)
class SettingsProblem:
    """One key that could not be used; the setting keeps its default."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


_converter = cattrs.Converter(forbid_extra_keys=True)
T = TypeVar("T")


def load_settings(*layers: Mapping[str, Any] | None) -> tuple[Settings, list[SettingsProblem]]:
    """Merge camelCase layers (later ones win) into `Settings`, reporting bad keys.

    Each layer may be the whole mapping or have it under a `fillin` key, as editors send it.
    """
    merged: dict[str, Any] = {}
    for layer in layers:
        if not layer:
            continue
        if isinstance(layer, Mapping) and set(layer) == {"fillin"}:
            layer = layer["fillin"]
        if not isinstance(layer, Mapping):
            return Settings(), [SettingsProblem("fillin", "settings must be an object")]
        _deep_merge(merged, layer)
    problems: list[SettingsProblem] = []
    settings = _structure(Settings, merged, "", problems)
    return settings, problems


def read_workspace_settings(root: Path) -> tuple[dict[str, Any], list[SettingsProblem]]:
    """The `[tool.fillin]` table of root/pyproject.toml, overlaid by root/fillin.toml."""
    layer: dict[str, Any] = {}
    problems: list[SettingsProblem] = []
    for path, table in ((root / "pyproject.toml", ("tool", "fillin")), (root / "fillin.toml", ())):
        if not path.is_file():
            continue
        try:
            data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(SettingsProblem(str(path), f"cannot read it ({exc}); it is ignored"))
            continue
        for key in table:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if isinstance(data, dict):
            _deep_merge(layer, data)
    return layer, problems


def to_camel(name: str) -> str:
    """`api_key_env` -> `apiKeyEnv`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class SettingDoc:
    """One leaf setting, for documentation and `fillin doctor`."""

    key: str
    type_name: str
    default: Any
    doc: str


def settings_schema(cls: type[Any] = Settings, prefix: str = "") -> list[SettingDoc]:
    """Every leaf setting with its dotted camelCase key, type, default and description."""
    rows: list[SettingDoc] = []
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = f"{prefix}{to_camel(f.name)}"
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            rows.extend(settings_schema(tp, key + "."))  # type: ignore[arg-type]
        else:
            default = f.default if f.default is not dataclasses.MISSING else None
            rows.append(SettingDoc(key, _type_name(tp), default, f.metadata.get("doc", "")))
    return rows


def restricted_keys(cls: type[Any] = Settings, prefix: str = "") -> frozenset[str]:
    """The dotted camelCase keys marked `restricted`: those that choose where code goes or
    what runs, which only the user (or a trusted folder) may set."""
    keys: set[str] = set()
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = f"{prefix}{to_camel(f.name)}"
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            keys |= restricted_keys(tp, key + ".")  # type: ignore[arg-type]
        elif f.metadata.get("restricted"):
            keys.add(key)
    return frozenset(keys)


def settings_markdown() -> str:
    """The settings reference as a Markdown table (the README embeds it verbatim)."""
    lines = ["| key | type | default | what it does |", "| --- | --- | --- | --- |"]
    for row in settings_schema():
        default = list(row.default) if isinstance(row.default, tuple) else row.default
        shown = "`" + json.dumps(default) + "`"
        lines.append(f"| `{row.key}` | {row.type_name} | {shown} | {row.doc} |")
    return "\n".join(lines) + "\n"


def _type_name(tp: Any) -> str:
    if get_origin(tp) is Literal:
        return " \\| ".join(f"`{json.dumps(a)}`" for a in get_args(tp))
    if get_origin(tp) is tuple:
        return f"list of {_type_name(get_args(tp)[0])}"
    return getattr(tp, "__name__", str(tp))


def _deep_merge(into: dict[str, Any], layer: Mapping[str, Any]) -> None:
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        elif isinstance(value, Mapping):
            into[key] = {}
            _deep_merge(into[key], value)
        else:
            into[key] = value


def _structure(cls: type[T], raw: Any, prefix: str, problems: list[SettingsProblem]) -> T:
    """Build `cls` from `raw` key by key, keeping the default of every bad key."""
    if not isinstance(raw, Mapping):
        problems.append(SettingsProblem(prefix.rstrip(".") or "fillin", "must be an object"))
        return cls()
    hints = get_type_hints(cls)
    fields = {to_camel(f.name): f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        path = f"{prefix}{key}"
        f = fields.get(key)
        if f is None:
            close = _closest(key, fields)
            hint = f" (did you mean {prefix}{close}?)" if close else ""
            problems.append(SettingsProblem(path, f"unknown setting{hint}; it is ignored"))
            continue
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            values[f.name] = _structure(tp, value, path + ".", problems)  # type: ignore[arg-type]
            continue
        try:
            if isinstance(tp, type) and tp in (int, float) and isinstance(value, bool):
                raise TypeError("a boolean is not a number")
            if tp is str and not isinstance(value, str):
                raise TypeError("must be a string")
            if tp is bool and not isinstance(value, bool):
                raise TypeError("must be true or false")
            if tp is int and isinstance(value, float) and not value.is_integer():
                raise TypeError("must be an integer")
            if get_origin(tp) is tuple and isinstance(value, str):
                raise TypeError("must be a list")
            converted = _converter.structure(value, tp)
        except (
            cattrs.BaseValidationError,
            cattrs.errors.CattrsError,
            TypeError,
            ValueError,
        ) as exc:
            message = _describe(tp, value, exc)
            if f.metadata.get("secret"):
                message = message.replace(repr(value), "the value")
            problems.append(SettingsProblem(path, message))
            continue
        check = f.metadata.get("check")
        if check is not None and not check(converted):
            # A secret-looking value (a key pasted where its variable's name belongs) is
            # never echoed.
            shown = "the value" if f.metadata.get("secret") else repr(value)
            problems.append(
                SettingsProblem(path, f"{shown} is not {f.metadata['hint']}; using the default")
            )
            continue
        values[f.name] = converted
    return cls(**values)


def _describe(tp: Any, value: Any, exc: Exception) -> str:
    if get_origin(tp) is Literal:
        allowed = ", ".join(repr(a) for a in get_args(tp) if a != "")
        return f"{value!r} is not one of {allowed}; using the default"
    if isinstance(exc, TypeError) and str(exc).startswith("must"):
        return f"{value!r} {exc}; using the default"
    return f"{value!r} is not a valid {_type_name(tp)}; using the default"


def _closest(key: str, candidates: Sequence[str] | Mapping[str, Any]) -> str | None:
    matches = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.7)
    return matches[0] if matches else None


def replace_model(settings: Settings, **changes: Any) -> Settings:
    """A copy of `settings` with some model keys changed (command-line overrides)."""
    changes = {k: v for k, v in changes.items() if v is not None}
    return dataclasses.replace(settings, model=dataclasses.replace(settings.model, **changes))
