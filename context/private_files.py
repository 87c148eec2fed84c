"""Owner-only files for fillin's caches: `private_dir` and `private_database`.

The index and statistics databases hold a repository's paths and signatures, so on a shared
machine no other user may read them: their directories are 0700 and the database files
0600 (or stricter). SQLite creates a database's `-wal` and `-shm` files with the database file's
permissions, so creating the database file first, owner-only, covers them; existing files
from older versions are tightened too. Failing to change a mode (a file system without
permissions) is not an error: the cache still works.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

SIDE_FILES = ("-wal", "-shm", "-journal")
"""SQLite's companion files of a database."""


def private_dir(directory: Path) -> None:
    """Create `directory` (and missing parents) 0700, and make it 0700 if it exists."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(directory, 0o700)


def private_database(path: Path) -> None:
    """Create the database file at `path` owner-only (or tighten it and its side files), so
    SQLite's `-wal` and `-shm` files are born owner-only too."""
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o600)
    os.close(fd)
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
        with contextlib.suppress(OSError):
            mode = candidate.stat().st_mode & 0o777
            # Only bits are taken away: a file the user made read-only stays read-only.
            if mode & 0o077:
                os.chmod(candidate, mode & 0o700)
