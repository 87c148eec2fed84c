"""Import resolution: which workspace files an import statement leads to, with no editor help.

`resolve_import(root, importer, module, language, names=..., kind=...)` maps one import, as
`context.imports.statements` decodes it (the module exactly as written, the names taken from
it, the kind of statement), to the workspace files that define it, or, when nothing in the
workspace matches, to the external package it belongs to:

==========  ===================================================================================
python      `pkg.mod`, `..util`, `.`; names may be submodules (`from . import sub`); package
            roots are the importer's top package's parent, the root, `src/`, `lib/`
javascript  `./util`, `../lib/index.js`, `@/components/x`, `lodash/fp`: extensions, index
typescript  files and compiled names (`./x.js` for x.ts); tsconfig/jsconfig `baseUrl`, `paths`
go          `example.com/proj/internal/store`: the nearest go.mod maps it to a package directory
rust        a `use` path (`crate::a`, `super::x`, `self::y`, `serde`) with its names; kind
            `mod` for a `mod foo;` declaration (module `foo`), `extern_crate` for a crate
java        the package (`com.acme.util`) with the class name (`Strings`) or `*`; kind `static`
            for `com.acme.util.Strings` with a member name
c, cpp      the `#include` target (`util/str.h`), kind `include` for quotes and `system` for
            angle brackets; the importer's directory, then `IndexSettings.include_dirs`
==========  ===================================================================================

Guarantees:

- Pure functions of the file tree: nothing is written, nothing is parsed but small
  configuration files (tsconfig.json, go.mod, Cargo.toml), whose reads are cached by
  modification time.
- Paths in and out are POSIX paths relative to `root`; a result never lies outside it.
- Never raises for odd input: an import that leads nowhere in the workspace is an external
  `Resolution` naming its package (`requests`, `@scope/pkg`, `github.com/x/y`, `serde`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from context.imports import c, go, java, javascript, python, rust
from context.imports.query import Exists, ImportQuery, Resolution, disk_exists

__all__ = ["Exists", "Resolution", "resolve_import"]


def resolve_import(
    root: Path,
    importer: str,
    module: str,
    language: str,
    *,
    names: Sequence[str] = (),
    kind: str = "import",
    include_dirs: Sequence[str] = (),
    exists: Exists | None = None,
) -> Resolution:
    """Resolve `module`, imported by the file `importer` (relative to `root`), in `language`.

    `include_dirs` are the configured C/C++ include directories (`IndexSettings.include_dirs`,
    relative to `root` or absolute inside it). `exists` tells which paths are workspace
    files; by default the disk is asked. Passing the index's own view keeps ignored files
    out and lets files that exist only in the editor count.
    """
    module = module.strip()
    if not module and not names:
        return Resolution()
    is_file = exists or disk_exists(root)
    resolver = _RESOLVERS.get(_LANGUAGE_ALIASES.get(language, language))
    if resolver is None:
        return Resolution()
    return resolver(
        ImportQuery(
            root,
            PurePosixPath(importer),
            module,
            tuple(n for n in names if n and n != "*"),
            kind,
            is_file,
            tuple(include_dirs),
            is_wildcard="*" in names,
        )
    )


_RESOLVERS: dict[str, Callable[[ImportQuery], Resolution]] = {
    "python": python.resolve,
    "javascript": javascript.resolve,
    "typescript": javascript.resolve,
    "go": go.resolve,
    "rust": rust.resolve,
    "java": java.resolve,
    "c": c.resolve,
    "cpp": c.resolve,
}

_LANGUAGE_ALIASES = {
    "tsx": "typescript",
    "typescriptreact": "typescript",
    "javascriptreact": "javascript",
    "jsx": "javascript",
    "c++": "cpp",
}
