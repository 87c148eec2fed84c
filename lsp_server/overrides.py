"""Command-line overrides of the model settings, shared by `fillin serve` and `fillin complete`.

`--backend`, `--url`, `--model` and `--template` win over every settings layer; an option left
out changes nothing.
"""

from __future__ import annotations

import argparse
from typing import get_args

from context.settings import Backend

BACKENDS = tuple(name for name in get_args(Backend) if name)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Add the model override options to a subcommand's parser."""
    group = parser.add_argument_group("model (overrides every settings layer)")
    group.add_argument("--backend", choices=BACKENDS, help="model server kind")
    group.add_argument("--url", help="API base of the model server, e.g. http://127.0.0.1:8080")
    group.add_argument("--model", help="model name sent to the server (model.name)")
    group.add_argument("--template", help="prompt template, e.g. qwen2.5-coder or prefix-only")


def model_overrides(args: argparse.Namespace) -> dict[str, str | None]:
    """The model settings that the options override, as `replace_model` keywords."""
    return {
        "backend": args.backend,
        "url": args.url,
        "name": args.model,
        "template": args.template,
    }
