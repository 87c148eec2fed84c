"""Java imports: a package with a class name, `*`, or a static member, found under the
importer's ancestors and the usual Maven/Gradle source roots.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from context.imports.query import ImportQuery, Resolution, package_files

_JAVA_SOURCE_DIRS = ("src/main/java", "src/test/java", "src", "")


def resolve(q: ImportQuery) -> Resolution:
    parts = [p for p in q.module.split(".") if p]
    if q.is_wildcard:
        for source_root in _java_roots(q):
            directory = str(PurePosixPath(source_root).joinpath(*parts))
            files = package_files(q, directory, ".java")
            if files:
                return Resolution(paths=files)
    paths: list[str] = []
    for name in q.names or ("",):
        full = [*parts, name] if name else parts
        for source_root in _java_roots(q):
            base = PurePosixPath(source_root)
            # The longest prefix that is a file: `a.b.C.member` is the class C of package a.b.
            found = q.first(f"{base.joinpath(*full[:k])}.java" for k in range(len(full), 0, -1))
            if found:
                if found not in paths:
                    paths.append(found)
                break
    if paths:
        return Resolution(paths=tuple(paths))
    package_parts = [p for p in parts if p[:1].islower()]
    return Resolution(package=".".join(package_parts or parts[:1]))


def _java_roots(q: ImportQuery) -> list[str]:
    """Source roots: every ancestor of the importer, then the usual Maven/Gradle layouts."""
    roots = [str(parent) for parent in q.importer.parents]
    roots = ["" if r == "." else r for r in roots]
    roots.extend(_JAVA_SOURCE_DIRS)
    return list(dict.fromkeys(roots))
