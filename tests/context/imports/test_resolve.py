"""Import resolution per language on the fixture repositories: one table, one helper."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from context.imports.go import package_name
from context.imports.resolve import Resolution, resolve_import


@dataclass(frozen=True)
class Case:
    """One import of one fixture file and where it must lead."""

    repo: str
    importer: str
    module: str
    language: str
    expected: tuple[str, ...] = ()
    package: str = ""
    names: tuple[str, ...] = ()
    kind: str = "import"
    include_dirs: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.repo}:{self.importer}:{self.kind}:{self.module}:{','.join(self.names)}"


CASES = [
    # Python: absolute, relative, packages, submodules, src layout, several roots, external.
    Case("py_shop", "shop/checkout.py", "shop.models", "python", ("shop/models.py",)),
    Case("py_shop", "shop/pricing.py", ".models", "python", ("shop/models.py",)),
    Case("py_shop", "shop/checkout.py", "shop", "python", ("shop/__init__.py",)),
    Case("py_shop", "shop/client.py", "requests", "python", package="requests"),
    Case("py_shop", "shop/checkout.py", "uuid", "python", package="uuid"),
    Case(
        "py_layouts",
        "src/ledger/reports/monthly.py",
        "..accounts",
        "python",
        ("src/ledger/accounts.py",),
    ),
    Case(
        "py_layouts",
        "src/ledger/reports/monthly.py",
        ".",
        "python",
        ("src/ledger/reports/__init__.py", "src/ledger/reports/formatting.py"),
        names=("formatting",),
    ),
    Case(
        "py_layouts", "tools/cli/main.py", "ledger.accounts", "python", ("src/ledger/accounts.py",)
    ),
    Case("py_layouts", "tools/cli/main.py", "cli.helpers", "python", ("tools/cli/helpers.py",)),
    Case("py_layouts", "src/ledger/accounts.py", "attrs", "python", package="attrs"),
    Case("py_layouts", "src/ledger/accounts.py", "....too.far", "python"),
    # JavaScript: relative with and without extensions, CommonJS, packages.
    Case("js_app", "src/index.js", "./cart.js", "javascript", ("src/cart.js",)),
    Case("js_app", "src/pricing.js", "./cart", "javascript", ("src/cart.js",)),
    Case("js_app", "src/index.js", "./util/format.js", "javascript", ("src/util/format.js",)),
    Case("js_app", "src/index.js", "./util", "javascript"),
    Case("js_app", "src/index.js", "express", "javascript", package="express"),
    # TypeScript: index files, compiled names, tsconfig paths (also via extends), baseUrl.
    Case("ts_app", "src/index.ts", "./api/client", "typescript", ("src/api/client.ts",)),
    Case("ts_app", "src/index.ts", "@/models/user", "typescript", ("src/models/user.ts",)),
    Case("ts_app", "src/components/UserCard.tsx", "@/models/user", "tsx", ("src/models/user.ts",)),
    Case("ts_app", "src/api/client.ts", "axios", "typescript", package="axios"),
    Case("ts_paths", "src/app/main.ts", "@core/money", "typescript", ("src/core/money.ts",)),
    Case("ts_paths", "src/app/main.ts", "#utils", "typescript", ("src/utils/index.ts",)),
    Case("ts_paths", "src/app/main.ts", "./helpers.js", "typescript", ("src/app/helpers.ts",)),
    Case("ts_paths", "src/app/main.ts", "utils", "typescript", ("src/utils/index.ts",)),
    Case("ts_paths", "src/app/main.ts", "date-fns/format", "typescript", package="date-fns"),
    Case("ts_paths", "src/app/main.ts", "@scope/pkg/deep", "typescript", package="@scope/pkg"),
    # Go: module path to package directory (every non-test file), standard and external.
    Case(
        "go_svc",
        "cmd/server/main.go",
        "example.com/gosvc/internal/store",
        "go",
        ("internal/store/item.go", "internal/store/store.go"),
    ),
    Case(
        "go_svc",
        "cmd/server/main.go",
        "example.com/gosvc/internal/handlers",
        "go",
        ("internal/handlers/handlers.go",),
    ),
    Case(
        "go_svc",
        "cmd/server/main.go",
        "github.com/gorilla/mux",
        "go",
        package="github.com/gorilla/mux",
    ),
    Case("go_svc", "cmd/server/main.go", "net/http", "go", package="net/http"),
    # Rust: mod declarations, crate::, self::, super::, names that are modules, crates.
    Case("rust_lib", "src/lib.rs", "inventory", "rust", ("src/inventory.rs",), kind="mod"),
    Case("rust_lib", "src/lib.rs", "report", "rust", ("src/report/mod.rs",), kind="mod"),
    Case(
        "rust_lib", "src/report/mod.rs", "summary", "rust", ("src/report/summary.rs",), kind="mod"
    ),
    Case(
        "rust_lib",
        "src/lib.rs",
        "crate::inventory",
        "rust",
        ("src/inventory.rs",),
        names=("Inventory", "Item"),
    ),
    Case(
        "rust_lib",
        "src/report/mod.rs",
        "self::summary",
        "rust",
        ("src/report/summary.rs",),
        names=("summarize",),
    ),
    Case(
        "rust_lib",
        "src/report/summary.rs",
        "super::super::error",
        "rust",
        ("src/error.rs",),
        names=("InventoryError",),
    ),
    Case(
        "rust_lib",
        "src/report/summary.rs",
        "crate",
        "rust",
        ("src/lib.rs", "src/inventory.rs"),
        names=("inventory",),
    ),
    Case("rust_lib", "src/inventory.rs", "serde", "rust", package="serde", names=("Deserialize",)),
    Case(
        "rust_lib",
        "src/inventory.rs",
        "std::collections",
        "rust",
        package="std",
        names=("HashMap",),
    ),
    Case("rust_lib", "src/lib.rs", "serde", "rust", package="serde", kind="extern_crate"),
    # Java: package + class, wildcard, static member, external.
    Case(
        "java_app",
        "src/main/java/com/acme/shop/App.java",
        "com.acme.shop.service",
        "java",
        ("src/main/java/com/acme/shop/service/PricingService.java",),
        names=("PricingService",),
    ),
    Case(
        "java_app",
        "src/main/java/com/acme/shop/service/PricingService.java",
        "com.acme.shop",
        "java",
        (
            "src/main/java/com/acme/shop/App.java",
            "src/main/java/com/acme/shop/Cart.java",
            "src/main/java/com/acme/shop/Item.java",
        ),
        names=("*",),
    ),
    Case(
        "java_app",
        "src/main/java/com/acme/shop/App.java",
        "com.acme.shop.Cart",
        "java",
        ("src/main/java/com/acme/shop/Cart.java",),
        names=("of",),
        kind="static",
    ),
    Case(
        "java_app",
        "src/main/java/com/acme/shop/App.java",
        "com.fasterxml.jackson.databind",
        "java",
        package="com.fasterxml.jackson.databind",
        names=("ObjectMapper",),
    ),
    # C and C++: relative, include directories (configured and conventional), system.
    Case("c_proj", "src/vec.c", "../include/vec.h", "c", ("include/vec.h",), kind="include"),
    Case("c_proj", "src/main.c", "vec.h", "c", ("include/vec.h",), kind="include"),
    Case("c_proj", "include/stats.h", "vec.h", "c", ("include/vec.h",), kind="include"),
    Case("c_proj", "src/main.c", "stdio.h", "c", package="stdio.h", kind="system"),
    Case(
        "cpp_proj",
        "src/main.cpp",
        "geometry/shape.hpp",
        "cpp",
        ("include/geometry/shape.hpp",),
        kind="include",
    ),
    Case("cpp_proj", "src/main.cpp", "fmt/core.h", "cpp", package="fmt/core.h", kind="system"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_resolution(case: Case, fixtures_dir: Path) -> None:
    root = fixtures_dir / "repos" / case.repo
    assert (root / case.importer).is_file(), f"the fixture lacks {case.importer}"
    found = resolve_import(
        root,
        case.importer,
        case.module,
        case.language,
        names=case.names,
        kind=case.kind,
        include_dirs=case.include_dirs,
    )
    assert found == Resolution(paths=case.expected, package=case.package)


def test_configured_include_dirs_come_before_the_conventional_ones(tmp_path: Path) -> None:
    (tmp_path / "third_party" / "lib").mkdir(parents=True)
    (tmp_path / "include").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "third_party" / "lib" / "util.h").write_text("int util(void);\n")
    (tmp_path / "include" / "util.h").write_text("int other(void);\n")
    (tmp_path / "src" / "main.c").write_text('#include "util.h"\n')
    plain = resolve_import(tmp_path, "src/main.c", "util.h", "c", kind="include")
    configured = resolve_import(
        tmp_path, "src/main.c", "util.h", "c", kind="include", include_dirs=("third_party/lib",)
    )
    system = resolve_import(
        tmp_path, "src/main.c", "util.h", "c", kind="system", include_dirs=("third_party/lib",)
    )
    assert plain.paths == ("include/util.h",)
    assert configured.paths == ("third_party/lib/util.h",)
    assert system.paths == ("third_party/lib/util.h",)


def test_an_include_dir_outside_the_root_is_not_searched(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    root = tmp_path / "root"
    outside.mkdir()
    root.mkdir()
    (outside / "secret.h").write_text("int secret;\n")
    found = resolve_import(
        root, "main.c", "secret.h", "c", kind="system", include_dirs=(str(outside),)
    )
    assert found == Resolution(package="secret.h")


def test_the_exists_view_decides_what_is_a_workspace_file(fixtures_dir: Path) -> None:
    root = fixtures_dir / "repos" / "py_shop"

    def exists(rel: str) -> bool:
        return rel != "shop/models.py" and (root / rel).is_file()

    hidden = resolve_import(root, "shop/checkout.py", "shop.models", "python", exists=exists)
    assert hidden == Resolution(package="shop")


def test_a_changed_tsconfig_is_read_again(tmp_path: Path, fixtures_dir: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(fixtures_dir / "repos" / "ts_paths", root)
    before = resolve_import(root, "src/app/main.ts", "@core/money", "typescript")
    base = root / "tsconfig.base.json"
    base.write_text('{"compilerOptions": {"baseUrl": "src", "paths": {"@lib/*": ["core/*"]}}}')
    stat = base.stat()
    # Only the extended file changes; the cache must notice it all the same.
    os.utime(base, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    after = resolve_import(root, "src/app/main.ts", "@lib/money", "typescript")
    assert before.paths == after.paths == ("src/core/money.ts",)


def test_a_broken_tsconfig_falls_back_to_relative_and_package_resolution(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.ts").write_text("export const a = 1;\n")
    (tmp_path / "tsconfig.json").write_text("{ not json")
    assert resolve_import(tmp_path, "src/b.ts", "./a", "typescript").paths == ("src/a.ts",)
    assert resolve_import(tmp_path, "src/b.ts", "@/a", "typescript").package == "@/a"


def test_an_opened_package_folder_resolves_its_own_absolute_imports(tmp_path: Path) -> None:
    """The folder opened is the package `rich` itself: `from rich.console import Console`
    is `console.py` at the root; a package of another name stays external, and so does a
    folder of that name that is no package."""
    package = tmp_path / "rich"
    package.mkdir()
    (package / "console.py").write_text("class Console: ...\n")
    assert resolve_import(package, "rule.py", "rich.console", "python").package == "rich"
    (package / "__init__.py").write_text("")
    assert resolve_import(package, "rule.py", "rich.console", "python").paths == ("console.py",)
    assert resolve_import(package, "rule.py", "rich.missing", "python").package == "rich"
    assert resolve_import(package, "rule.py", "other.console", "python").package == "other"


def test_a_relative_import_never_climbs_above_the_root(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "helpers.py").write_text("def helper() -> None: ...\n")
    assert resolve_import(tmp_path, "pkg/mod.py", "..helpers", "python").paths == ("helpers.py",)
    assert resolve_import(tmp_path, "pkg/mod.py", "...helpers", "python") == Resolution()
    assert resolve_import(tmp_path, "helpers.py", "..pkg", "python") == Resolution()


def test_a_file_of_an_opened_package_folder_imports_its_siblings(tmp_path: Path) -> None:
    """The folder opened is the package itself (`src/requests`, with its `__init__.py`):
    `from .models import Response` in `sessions.py` is `models.py` beside it."""
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "models.py").write_text("class Response: ...\n")
    assert resolve_import(tmp_path, "sessions.py", ".models", "python").paths == ("models.py",)
    assert resolve_import(tmp_path, "sessions.py", ".", "python", names=("models",)).paths == (
        "__init__.py",
        "models.py",
    )


@pytest.mark.parametrize("language", ["python", "javascript", "go", "rust", "java", "c", "cobol"])
def test_odd_input_never_raises(language: str, tmp_path: Path) -> None:
    for module in ("", "...", "::", "/", "\\", "..//..", "*", '"'):
        resolve_import(tmp_path, "a/b.x", module, language, names=("*", ""))


@pytest.mark.parametrize(
    ("import_path", "expected"),
    [
        ("github.com/labstack/echo/v4", "echo"),
        ("gopkg.in/yaml.v3", "yaml"),
        ("github.com/mattn/go-sqlite3", "sqlite3"),
        ("github.com/google/go-cmp/cmp", "cmp"),
        ("v2", "v2"),
        ("net/http", "http"),
    ],
)
def test_an_outside_go_package_binds_the_name_its_path_implies(
    import_path: str, expected: str, tmp_path: Path
) -> None:
    assert package_name(tmp_path, import_path, ()) == expected


def test_a_workspace_go_package_binds_its_package_clause_s_name(tmp_path: Path) -> None:
    (tmp_path / "v4").mkdir()
    (tmp_path / "v4" / "echo.go").write_text(
        "// Package echo.\n//go:build go1.15\n\npackage echo\n"
    )
    (tmp_path / "v4" / "broken.go").write_bytes(b"\xff\xfe no clause")
    assert package_name(tmp_path, "github.com/labstack/echo/v4", ("v4/echo.go",)) == "echo"
    assert package_name(tmp_path, "github.com/labstack/echo/v4", ("v4/broken.go",)) == "echo"
    assert package_name(tmp_path, "example.com/gone", ("gone.go",)) == "gone"
