"""`fillin doctor`: check that fillin can complete here, and say what to fix.

Checks, in order: the settings of the project root (every bad key), the prompt template,
the tokenizer (tiktoken's vocabulary, offline), the tree-sitter grammars, the transport (a
warning when an API key or password would cross the network in plain HTTP), and the model
backend (one tiny generation request). Each check prints `ok`, `warn` or `FAIL` with what
to do; the exit status is 1 when something must be fixed, else 0. URLs are shown without
their credentials (`context.urls.redact_url`).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_server.overrides import add_model_options, model_overrides

if TYPE_CHECKING:
    from context.backends import Backend
    from context.settings import Settings


@dataclass(frozen=True)
class Check:
    """The outcome of one check: `fix` says what to do when it failed."""

    name: str
    is_ok: bool
    detail: str
    fix: str = ""
    is_warning: bool = False
    """A finding to act on that does not stop fillin from working."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin doctor`."""
    parser = subparsers.add_parser(
        "doctor",
        help="check settings, backend, template, tokenizer and grammars",
        description="Check that fillin can complete code here, and say what to fix.",
    )
    parser.add_argument("--root", type=Path, default=None, help="project root (default: cwd)")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for the backend"
    )
    add_model_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run every check and print the outcomes; 1 when something must be fixed."""
    from lsp_server.standalone import find_root, load_root_settings

    root = (args.root or find_root(Path.cwd())).resolve()
    settings, problems = load_root_settings(root, model_overrides(args))
    checks = [
        Check(
            "settings",
            not problems,
            f"{root}" if not problems else "; ".join(str(p) for p in problems),
            "correct or remove these keys in fillin.toml, [tool.fillin] or your editor",
        ),
        *(_run_check(name, check, settings, root) for name, check in _LOCAL_CHECKS),
        asyncio.run(_check_backend(settings, root, args.timeout)),
    ]
    for check in checks:
        status = "warn" if check.is_warning else "ok  " if check.is_ok else "FAIL"
        print(f"{status} {check.name}: {check.detail}")
        if (check.is_warning or not check.is_ok) and check.fix:
            print(f"     fix: {check.fix}")
    n_failed = sum(not c.is_ok for c in checks)
    print("everything is ready" if not n_failed else f"{n_failed} problem(s) to fix")
    return 1 if n_failed else 0


def _run_check(
    name: str, check: Callable[[Settings, Path], Check], settings: Settings, root: Path
) -> Check:
    try:
        return check(settings, root)
    except Exception as exc:
        # A broken check is a finding to report, not a crash.
        return Check(name, False, f"{type(exc).__name__}: {exc}", "reinstall fillin (make venv)")


def _check_template(settings: Settings, root: Path) -> Check:
    from context.errors import SettingsError
    from context.prompt.templates import get_template, infer_template

    model = settings.model
    try:
        if model.template:
            template = get_template(model.template)
            how = "from model.template"
        else:
            template = infer_template(model.name)
            how = f"inferred from model.name {model.name!r}" if model.name else "the default"
    except SettingsError as exc:
        return Check("template", False, str(exc), "set model.template to a known template")
    kind = "fill-in-the-middle" if template.is_fim else "prefix only"
    return Check("template", True, f"{template.name} ({kind}, {how})")


def _check_tokenizer(settings: Settings, root: Path) -> Check:
    from context.prompt.tokens import ENCODING_NAME, count_tokens

    n_tokens = count_tokens("def total(items):\n    return sum(items)\n")
    return Check("tokenizer", n_tokens > 0, f"{ENCODING_NAME}, offline vocabulary")


def _check_grammars(settings: Settings, root: Path) -> Check:
    from context.languages import LANGUAGES, parser_for

    broken = []
    for lang in LANGUAGES:
        try:
            parser_for(lang).parse(b"\n")
        except Exception as exc:
            # Report every broken grammar at once.
            broken.append(f"{lang.name} ({exc})")
    if broken:
        return Check(
            "grammars",
            False,
            "cannot load " + ", ".join(broken),
            "reinstall the tree-sitter grammar wheels (make venv)",
        )
    return Check("grammars", True, ", ".join(lang.name for lang in LANGUAGES))


def _check_transport(settings: Settings, root: Path) -> Check:
    from context.backends.http import is_loopback
    from context.urls import basic_auth, redact_url

    model = settings.model
    url = model.url
    if not url:
        return Check("transport", True, "the model server is on this machine")
    sends_secret = bool(model.api_key_env) or basic_auth(url) is not None
    if sends_secret and url.lower().startswith("http://") and not is_loopback(url):
        return Check(
            "transport",
            True,
            f"{redact_url(url)} is plain HTTP to another machine: the API key (or password) "
            "and your code cross the network unencrypted",
            "use an https:// URL for model.url",
            is_warning=True,
        )
    return Check("transport", True, f"{redact_url(url)}")


_LOCAL_CHECKS: tuple[tuple[str, Callable[[Settings, Path], Check]], ...] = (
    ("template", _check_template),
    ("tokenizer", _check_tokenizer),
    ("grammars", _check_grammars),
    ("transport", _check_transport),
)


async def _check_backend(settings: Settings, root: Path, timeout_s: float) -> Check:
    """Ask the backend for a couple of tokens."""
    from context.backends import GenerationRequest, make_backend
    from context.errors import FillinError
    from context.urls import redact_url

    model = settings.model
    where = redact_url(model.url) if model.url else model.path or "the bundled SmolLM2 model"
    name = model.backend or "embedded"
    started = time.perf_counter()
    backend: Backend | None = None
    try:
        backend = make_backend(model, root=root)
        request = GenerationRequest(
            prompt="def add(a, b):\n    return",
            prefix="def add(a, b):\n    return",
            suffix="",
            max_tokens=4,
            temperature=0.0,
        )
        async with asyncio.timeout(timeout_s):
            pieces = [piece async for piece in backend.stream(request)]
    except (FillinError, TimeoutError) as exc:
        detail = str(exc) or f"no answer within {timeout_s:.0f} s"
        return Check(
            "backend",
            False,
            f"{name} at {where}: {detail}",
            "start the model server or correct model.backend / model.url / model.path",
        )
    finally:
        if backend is not None:
            await backend.aclose()
    elapsed_ms = (time.perf_counter() - started) * 1000
    text = "".join(pieces)
    return Check("backend", True, f"{name} at {where} answered {text!r} in {elapsed_ms:.0f} ms")
