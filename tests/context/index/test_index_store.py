"""The SQLite index: rows follow the files, queries answer, bad databases are rebuilt."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from context.imports.statements import Import, ImportedName
from context.index.records import FileRecord, ResolvedImport
from context.index.store import SCHEMA_VERSION, IndexStore, default_db_path
from context.settings import IndexSettings
from context.syntax import Definition
from context.workspace import Workspace

OpenWorkspace = Callable[..., Workspace]


def _record(rel: str, *names: str) -> FileRecord:
    definitions = [
        Definition(n, "function", None, i, i, f"def {n}():", None) for i, n in enumerate(names)
    ]
    statement = Import("os.path", (ImportedName("join", "j"),), None, "import", 0)
    return FileRecord(
        rel, "python", 10, "h", 1, definitions, [ResolvedImport(statement, None, "os")]
    )


async def test_rows_follow_adds_edits_renames_and_deletions(
    copy_repo: Callable[[str], Path], open_workspace: OpenWorkspace
) -> None:
    root = copy_repo("py_shop")
    workspace = open_workspace(root)
    stats = await workspace.index()
    assert stats.n_files == 5 and stats.n_parsed == 5
    store = workspace.store
    assert [r.rel_path for r in store.definitions("apply_discount")] == ["shop/pricing.py"]

    (root / "shop" / "shipping.py").write_text(
        "def shipping_cost(weight: float) -> float:\n    return 1\n"
    )
    pricing = root / "shop" / "pricing.py"
    pricing.write_text(pricing.read_text().replace("def apply_discount", "def take_discount"))
    (root / "shop" / "client.py").rename(root / "shop" / "catalog.py")
    (root / "shop" / "checkout.py").unlink()
    stats = await workspace.index()

    assert (stats.n_parsed, stats.n_deleted) == (3, 2)
    assert [r.rel_path for r in store.definitions("shipping_cost")] == ["shop/shipping.py"]
    assert store.definitions("apply_discount") == []
    assert [r.rel_path for r in store.definitions("take_discount")] == ["shop/pricing.py"]
    assert [r.rel_path for r in store.definitions("CatalogClient")] == ["shop/catalog.py"]
    assert store.definitions("checkout") == []
    assert store.imports_of(root / "shop" / "checkout.py") == []
    assert {f.rel_path for f in store.files()} == {
        "shop/__init__.py",
        "shop/models.py",
        "shop/pricing.py",
        "shop/shipping.py",
        "shop/catalog.py",
    }
    # The renamed file's methods are found under its new path only.
    assert [r.rel_path for r in store.definitions("fetch_item")] == ["shop/catalog.py"]


async def test_an_unchanged_tree_is_not_parsed_again(
    copy_repo: Callable[[str], Path], open_workspace: OpenWorkspace
) -> None:
    workspace = open_workspace(copy_repo("go_svc"))
    first = await workspace.index()
    second = await workspace.index()
    assert first.n_parsed == 4
    assert (second.n_parsed, second.n_unchanged, second.n_files) == (0, 4, 4)
    assert second.n_symbols == first.n_symbols > 0


async def test_queries_return_definitions_members_and_resolved_imports(
    copy_repo: Callable[[str], Path], open_workspace: OpenWorkspace
) -> None:
    root = copy_repo("py_shop")
    workspace = open_workspace(root)
    await workspace.index()
    store = workspace.store
    (cart,) = store.definitions("Cart")
    assert (cart.kind, cart.rel_path, cart.path) == (
        "class",
        "shop/models.py",
        root / "shop/models.py",
    )
    assert cart.doc == "A customer's cart: items and their quantities."
    members = {m.name: m for m in store.members("Cart")}
    assert {"add_item", "remove_item", "subtotal", "owner", "lines"} <= set(members)
    assert (
        members["add_item"].signature
        == "def add_item(self, item: Item, quantity: int = 1) -> None:"
    )
    names = [d.name for d in store.definitions_in_file("shop/pricing.py")]
    assert names == ["TAX_RATES", "DiscountError", "tax_rate", "apply_discount", "total_with_tax"]
    imports = {i.module: i for i in store.imports_of(root / "shop" / "checkout.py")}
    assert imports["shop.pricing"].names == (
        ImportedName("DiscountError"),
        ImportedName("total_with_tax"),
    )
    assert imports["shop.models"].resolved_path == "shop/models.py"
    assert imports["uuid"].resolved_path is None and imports["uuid"].package
    assert {i.rel_path for i in store.importers_of("shop/models.py")} >= {
        "shop/checkout.py",
        "shop/pricing.py",
    }
    assert store.file_count() == 5 and store.symbol_count() == len(
        [s for f in store.files() for s in store.definitions_in_file(f.rel_path)]
    )


def test_files_under_a_prefix_are_those_of_one_language_there(tmp_path: Path) -> None:
    store = IndexStore(tmp_path, tmp_path / "db.sqlite3")
    rust = FileRecord("pkg/lib.rs", "rust", 10, "h", 1, [], [])
    store.replace_files(
        [_record(rel) for rel in ("pkg/a.py", "pkg/sub/b.py", "pkgs/c.py", "top.py")] + [rust]
    )
    under = [f.rel_path for f in store.files_under("pkg/", "python")]
    assert under == ["pkg/a.py", "pkg/sub/b.py"]
    assert [f.rel_path for f in store.files_under("", "python")] == [
        "pkg/a.py",
        "pkg/sub/b.py",
        "pkgs/c.py",
        "top.py",
    ]
    assert [f.rel_path for f in store.files_under("pkg/", "rust")] == ["pkg/lib.rs"]
    store.close()


def test_imports_round_trip_names_aliases_and_resolution(tmp_path: Path) -> None:
    store = IndexStore(tmp_path, tmp_path / "db.sqlite3")
    store.replace_files([_record("a.py", "f")])
    (row,) = store.imports_of("a.py")
    assert (row.module, row.names, row.package, row.resolved_path) == (
        "os.path",
        (ImportedName("join", "j"),),
        "os",
        None,
    )
    store.close()


def test_the_database_lives_in_the_cache_directory_unless_configured(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    default = default_db_path(root)
    assert root.resolve() not in default.parents
    assert default != default_db_path(tmp_path)
    assert default_db_path(root, str(tmp_path / "custom")).parent == tmp_path / "custom"


def _corrupt(path: Path) -> None:
    path.write_bytes(b"this is not a database, just bytes" * 100)


def _old_version(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.close()


@pytest.mark.parametrize(
    ("damage", "reason"), [(_corrupt, "corrupt"), (_old_version, "schema version")]
)
def test_a_corrupt_or_old_database_is_rebuilt(
    tmp_path: Path, damage: Callable[[Path], None], reason: str
) -> None:
    db = tmp_path / "db.sqlite3"
    store = IndexStore(tmp_path, db)
    store.replace_files([_record("a.py", "alpha")])
    store.close()
    damage(db)
    rebuilt = IndexStore(tmp_path, db)
    assert rebuilt.rebuilt_reason is not None and reason in rebuilt.rebuilt_reason
    assert rebuilt.file_count() == 0
    rebuilt.replace_files([_record("a.py", "beta")])
    assert [r.name for r in rebuilt.definitions("beta")] == ["beta"]
    rebuilt.close()
    assert IndexStore(tmp_path, db).rebuilt_reason is None


def test_a_locked_database_is_replaced_by_a_private_one(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    IndexStore(tmp_path, db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = IndexStore(tmp_path, db, timeout_s=0.1)
        store.replace_files([_record("a.py", "gamma")])
        assert store.db_path != db and store.rebuilt_reason is not None
        assert [r.name for r in store.definitions("gamma")] == ["gamma"]
        store.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_deleting_the_database_is_safe(
    copy_repo: Callable[[str], Path], open_workspace: OpenWorkspace, tmp_path: Path
) -> None:
    root = copy_repo("rust_lib")
    workspace = open_workspace(root)
    first = workspace.refresh()
    db = workspace.store.db_path
    workspace.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    again = Workspace(root, IndexSettings(), db_path=db)
    try:
        second = again.refresh()
        assert (second.n_files, second.n_symbols) == (first.n_files, first.n_symbols)
    finally:
        again.close()


def test_every_language_fixture_is_indexed(
    copy_repo: Callable[[str], Path], open_workspace: OpenWorkspace
) -> None:
    expected = {
        "py_shop": ("checkout", "python"),
        "js_app": ("createCart", "javascript"),
        "ts_app": ("UserRepository", "typescript"),
        "go_svc": ("NewStore", "go"),
        "rust_lib": ("summarize", "rust"),
        "java_app": ("PricingService", "java"),
        "c_proj": ("stats_mean", "c"),
        "cpp_proj": ("total_area", "cpp"),
    }
    for name, (symbol, language) in expected.items():
        workspace = open_workspace(copy_repo(name))
        stats = workspace.refresh()
        assert stats.n_files >= 3, name
        assert language in {r.language for r in workspace.store.definitions(symbol)}, name


def _symbol_ids(store: IndexStore, rel_path: str) -> dict[str, int]:
    """Symbol row ids by name, read straight from the database."""
    conn = sqlite3.connect(store.db_path)
    try:
        rows = conn.execute(
            "SELECT s.name, s.id FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ?",
            (rel_path,),
        ).fetchall()
    finally:
        conn.close()
    return dict(rows)


def test_update_file_touches_only_changed_rows(tmp_path: Path) -> None:
    store = IndexStore(tmp_path, tmp_path / "db.sqlite3")
    store.replace_files([_record("a.py", "alpha", "beta", "gamma"), _record("b.py", "beta")])
    ids_before = _symbol_ids(store, "a.py")
    store.update_file(_record("a.py", "delta", "alpha", "beta"))
    rows = store.definitions_in_file("a.py")
    assert [(r.name, r.start_line_idx) for r in rows] == [("delta", 0), ("alpha", 1), ("beta", 2)]
    ids_after = _symbol_ids(store, "a.py")
    assert ids_after["alpha"] == ids_before["alpha"] and ids_after["beta"] == ids_before["beta"]
    assert store.definitions("gamma") == []
    assert [r.rel_path for r in store.definitions("delta")] == ["a.py"]
    assert sorted(r.rel_path for r in store.definitions("beta")) == ["a.py", "b.py"]
    assert store.symbol_count() == 4
    store.close()


def test_paths_outside_the_root_match_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    store = IndexStore(root, tmp_path / "db.sqlite3")
    store.replace_files([_record("a.py", "alpha")])
    assert [r.name for r in store.definitions_in_file(root / "a.py")] == ["alpha"]
    assert store.definitions_in_file(tmp_path / "elsewhere" / "a.py") == []
    assert store.imports_of(tmp_path / "a.py") == [] and store.file(tmp_path / "a.py") is None
    store.close()


def test_update_file_with_previous_definitions_matches_a_full_rewrite(tmp_path: Path) -> None:
    """Edits at the start, middle and end, duplicates and line shifts, against the rows
    that a from-scratch write of the same definitions gives."""
    store = IndexStore(tmp_path, tmp_path / "db.sqlite3")
    fresh = IndexStore(tmp_path, tmp_path / "fresh.sqlite3")
    versions = [
        ["a", "b", "c", "d", "e"],
        ["a", "b", "renamed", "d", "e"],
        ["first", "a", "b", "renamed", "d", "e"],
        ["first", "a", "b", "renamed", "d", "e", "last"],
        ["first", "a", "a", "b", "d", "e", "last"],
        ["x"],
        [],
        ["a", "b"],
    ]
    previous = None
    for names in versions:
        record = _record("a.py", *names)
        store.update_file(record, previous)
        previous = list(record.definitions)
        fresh.replace_files([record])
        assert store.definitions_in_file("a.py") == fresh.definitions_in_file("a.py")
        assert store.symbol_count() == len(names)
        for name in set(names):
            assert len(store.definitions(name)) == names.count(name)
    store.close()
    fresh.close()


def test_a_record_from_a_worker_process_writes_the_same_rows(tmp_path: Path) -> None:
    """A record crosses from a worker process pickled as plain rows; it reads back as the
    same definitions and imports, and leaves the same rows in the index."""
    record = _record("a.py", "alpha", "beta")
    crossed = pickle.loads(pickle.dumps(record))
    assert list(crossed.definitions) == list(record.definitions)
    assert crossed.definitions[1] == record.definitions[1]
    assert list(crossed.definitions[:1]) == list(record.definitions[:1])
    assert list(crossed.imports) == list(record.imports) and crossed == record
    direct = IndexStore(tmp_path, tmp_path / "direct.sqlite3")
    pickled = IndexStore(tmp_path, tmp_path / "pickled.sqlite3")
    direct.replace_files([record])
    pickled.replace_files([crossed])
    assert pickled.definitions_in_file("a.py") == direct.definitions_in_file("a.py")
    assert pickled.imports_of("a.py") == direct.imports_of("a.py")
    assert [i.names for i in pickled.imports_of("a.py")] == [(ImportedName("join", "j"),)]
    direct.close()
    pickled.close()
