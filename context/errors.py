"""The exceptions that fillin's engine raises.

The tree::

    FillinError
    ├── SettingsError            a setting has a bad value or an unknown key
    ├── PositionError            a position lies outside the document
    ├── BackendError             the model server failed
    │   ├── BackendUnavailable   cannot connect, or the model file is missing
    │   │   └── DefaultModelMissing  the default model is not installed yet
    │   ├── BackendTimeout       no answer within model.timeoutMs
    │   └── BackendProtocolError an answer that fillin cannot read (HTTP error, bad JSON)
    │       └── HttpStatusError  an HTTP error status (context.backends.http)
    ├── IndexStoreError          the symbol index cannot be opened or written
    └── StatsStoreError          the statistics database cannot be opened or written
                                 (context.stats)

The two classes defined elsewhere live beside the one module that raises them.

Messages name the thing and the fix, and have no final period.
"""

from __future__ import annotations


class FillinError(Exception):
    """The root of every error that fillin raises on purpose."""


class SettingsError(FillinError):
    """A setting has a bad value or an unknown key; `key` is its dotted path."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


class PositionError(FillinError, ValueError):
    """A line or character lies outside the document."""


class BackendError(FillinError):
    """The model server could not produce a completion."""


class BackendUnavailable(BackendError):
    """The model server cannot be reached, or the local model cannot be loaded."""


class DefaultModelMissing(BackendUnavailable):
    """The default model's GGUF is not installed yet (`fillin install-model` installs it)."""


class BackendTimeout(BackendError):
    """The model server did not answer within the configured timeout."""


class BackendProtocolError(BackendError):
    """The model server answered with something fillin cannot read."""


class IndexStoreError(FillinError):
    """The symbol index cannot be opened, migrated or written."""
