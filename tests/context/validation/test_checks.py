"""Validation of suggestions on the fixture repositories, per check and per language.

Each case names a file of a repository under tests/fixtures/repos, the place of the cursor
as a piece of that file's text with a `$0` marker, the suggestion, and the kinds of problem
expected (none for a suggestion that must pass). Every case runs through `run_case`,
against the repository's real SQLite index built once per session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from context.document import Document
from context.ignore import IgnoreRules
from context.index.indexer import Indexer
from context.index.records import default_resolver
from context.index.store import IndexStore
from context.languages import language_for_path
from context.settings import IndexSettings, ValidationSettings
from context.validation.policy import Problem, validate
from context.validation.view import EmptyView, IndexView, SymbolView

REPOS = ("py_shop", "js_app", "ts_app", "go_svc", "rust_lib", "java_app", "c_proj", "cpp_proj")


@dataclass(frozen=True)
class Case:
    description: str
    repo: str
    file: str
    at: str
    text: str
    expected: tuple[str, ...]
    message: str = ""


CHECKOUT = ("py_shop", "shop/checkout.py")
ORDER_INIT = "        self.owner = owner\n$0        self.amount = amount"
CHECKOUT_BODY = "$0    return Order(order_id"
JS_INDEX = ("js_app", "src/index.js")
JS_END = "$0export default app;"
TS_CLIENT = ("ts_app", "src/api/client.ts")
TS_TOP = "$0/** Talks to the users API. */"
GO_STORE = ("go_svc", "internal/store/store.go")
GO_IMPORTS = '\t"sync"\n$0\n\t"github.com/google/uuid"'
RUST_INVENTORY = ("rust_lib", "src/inventory.rs")
RUST_USES = "$0use crate::error::InventoryError;"
JAVA_CART = ("java_app", "src/main/java/com/acme/shop/Cart.java")
JAVA_IMPORTS = "$0import com.google.common.base.Preconditions;"

CASES = [
    # Python: every kind, and what must pass.
    Case(
        "a plain statement passes", *CHECKOUT, CHECKOUT_BODY, "    amount = round(amount, 2)\n", ()
    ),
    Case("builtins pass", *CHECKOUT, CHECKOUT_BODY, "    print(len(cart.lines))\n", ()),
    Case(
        "a function from another file of the repository passes",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    rate = tax_rate(country)\n",
        (),
    ),
    Case("broken syntax", *CHECKOUT, CHECKOUT_BODY, "    amount = (amount +\n", ("syntax",)),
    Case(
        "a callee that exists nowhere",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    amount = total_with_taxes(cart, country)\n",
        ("unknown-symbol",),
        "`total_with_taxes`",
    ),
    Case(
        "a member a standard-library module lacks",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    order_id = uuid.uuid9().hex\n",
        ("unknown-symbol",),
        "`uuid.uuid9`",
    ),
    Case(
        "a member the standard-library module has",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    order_id = uuid.uuid4().hex\n",
        (),
    ),
    Case(
        "a method the class does not define",
        *CHECKOUT,
        ORDER_INIT,
        "        self.check_amount(amount)\n",
        ("unknown-symbol",),
        "`self.check_amount`",
    ),
    Case(
        "an attribute the class sets",
        *CHECKOUT,
        ORDER_INIT,
        "        self.owner = self.owner.strip()\n",
        (),
    ),
    Case(
        "a member no object anywhere has",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    cart.frobnicate_lines()\n",
        ("unknown-symbol",),
        "`cart.frobnicate_lines`",
    ),
    Case(
        "a member of a builtin type on an object of unknown type",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    owner = cart.owner.strip().upper()\n",
        (),
    ),
    Case(
        "a member another class of the repository defines",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    amount = cart.subtotal()\n",
        (),
    ),
    Case(
        "a missing required argument",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    amount = total_with_tax(cart)\n",
        ("arity",),
        "`country`",
    ),
    Case(
        "too many positional arguments to an indexed function",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    rate = tax_rate(country, 0.1)\n",
        ("arity",),
    ),
    Case(
        "an unexpected keyword argument",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    amount = total_with_tax(cart, country, rate=2)\n",
        ("arity",),
        "`rate`",
    ),
    Case(
        "a keyword argument by its name passes",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    amount = total_with_tax(cart, country=country, percent=5.0)\n",
        (),
    ),
    Case(
        "a class's constructor arguments",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    draft = Order(cart.owner)\n",
        ("arity",),
    ),
    Case("a builtin's arity", *CHECKOUT, CHECKOUT_BODY, "    n = len(cart, 2)\n", ("arity",)),
    Case(
        "a package that exists nowhere",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    import requestz\n",
        ("unknown-dependency",),
        "`requestz`",
    ),
    Case("a declared package", *CHECKOUT, CHECKOUT_BODY, "    import pydantic\n", ()),
    Case("a standard-library module", *CHECKOUT, CHECKOUT_BODY, "    import json\n", ()),
    Case("a workspace module", *CHECKOUT, CHECKOUT_BODY, "    from shop.models import Cart\n", ()),
    Case(
        "a relative import of a missing module",
        *CHECKOUT,
        CHECKOUT_BODY,
        "    from .shipping import rate\n",
        ("unknown-dependency",),
    ),
    # JavaScript.
    Case("a call on a known object passes", *JS_INDEX, JS_END, "app.listen(3000);\n", ()),
    Case("broken syntax", *JS_INDEX, JS_END, "const port = ;\n", ("syntax",)),
    Case(
        "an undefined variable",
        *JS_INDEX,
        JS_END,
        "app.listen(PORT_NUMBER);\n",
        ("unknown-symbol",),
    ),
    Case(
        "a name bound in the suggestion passes",
        *JS_INDEX,
        JS_END,
        "const port = 3000;\napp.listen(port);\n",
        (),
    ),
    Case(
        "too many arguments to a function of the file",
        *JS_INDEX,
        JS_END,
        "const cart = createCart('ann', 'bob');\n",
        ("arity",),
    ),
    Case(
        "too many arguments to an imported function",
        *JS_INDEX,
        JS_END,
        "const price = formatPrice(1, 2, 3, 4);\n",
        ("arity",),
    ),
    Case(
        "an undeclared package",
        *JS_INDEX,
        JS_END,
        "import chalk from 'chalk';\n",
        ("unknown-dependency",),
        "`chalk`",
    ),
    Case("a declared package", *JS_INDEX, JS_END, "import merge from 'lodash/merge';\n", ()),
    Case("a Node built-in", *JS_INDEX, JS_END, "import fs from 'node:fs';\n", ()),
    Case("a workspace file", *JS_INDEX, JS_END, "import { Cart } from './cart.js';\n", ()),
    Case(
        "a missing workspace file",
        *JS_INDEX,
        JS_END,
        "import { ship } from './shipping.js';\n",
        ("unknown-dependency",),
    ),
    # TypeScript.
    Case("a typed constant passes", *TS_CLIENT, TS_TOP, "const LIMIT: number = 20;\n", ()),
    Case("broken syntax", *TS_CLIENT, TS_TOP, "const LIMIT: = 20;\n", ("syntax",)),
    Case(
        "an unknown callee",
        *TS_CLIENT,
        TS_TOP,
        "const user = makeUser(1);\n",
        ("unknown-symbol",),
    ),
    Case(
        "too few arguments (TypeScript requires them)",
        *TS_CLIENT,
        TS_TOP,
        "function twice(x: number): number {\n  return 2 * x;\n}\nconst four = twice();\n",
        ("arity",),
    ),
    Case(
        "an optional parameter may be left out",
        *TS_CLIENT,
        TS_TOP,
        "function greet(name?: string): string {\n  return name ?? '';\n}\nconst g = greet();\n",
        (),
    ),
    Case(
        "a package another project declares",
        *TS_CLIENT,
        TS_TOP,
        "import debounce from 'lodash/debounce';\n",
        ("unknown-dependency",),
    ),
    Case("a declared package", *TS_CLIENT, TS_TOP, 'import { z } from "zod";\n', ()),
    # Go.
    Case("a standard-library package", *GO_STORE, GO_IMPORTS, '\t"strings"\n', ()),
    Case(
        "a module the go.mod does not require",
        *GO_STORE,
        GO_IMPORTS,
        '\t"github.com/fake/orm"\n',
        ("unknown-dependency",),
    ),
    Case(
        "a package of the module itself",
        *GO_STORE,
        GO_IMPORTS,
        '\t"example.com/gosvc/internal/handlers"\n',
        (),
    ),
    Case("broken syntax", *GO_STORE, GO_IMPORTS, '\t"strings\n', ("syntax",)),
    # Rust.
    Case("the standard library", *RUST_INVENTORY, RUST_USES, "use std::fmt;\n", ()),
    Case("a declared crate", *RUST_INVENTORY, RUST_USES, "use thiserror::Error;\n", ()),
    Case(
        "an undeclared crate",
        *RUST_INVENTORY,
        RUST_USES,
        "use serde_yaml::Value;\n",
        ("unknown-dependency",),
    ),
    Case("broken syntax", *RUST_INVENTORY, RUST_USES, "use std::fmt\n", ("syntax",)),
    # Java.
    Case("the JDK", *JAVA_CART, JAVA_IMPORTS, "import java.util.List;\n", ()),
    Case(
        "a declared group",
        *JAVA_CART,
        JAVA_IMPORTS,
        "import com.google.common.collect.ImmutableList;\n",
        (),
    ),
    Case(
        "an undeclared library",
        *JAVA_CART,
        JAVA_IMPORTS,
        "import org.apache.commons.lang3.StringUtils;\n",
        ("unknown-dependency",),
    ),
    Case("broken syntax", *JAVA_CART, JAVA_IMPORTS, "import java.util.List\n", ("syntax",)),
    # C and C++: syntax.
    Case(
        "a helper function passes",
        "c_proj",
        "src/stats.c",
        "$0double stats_stddev(",
        "static int twice(int x) { return 2 * x; }\n\n",
        (),
    ),
    Case(
        "broken syntax",
        "c_proj",
        "src/stats.c",
        "$0double stats_stddev(",
        "static int twice(int x { return 2 * x; }\n\n",
        ("syntax",),
    ),
    Case(
        "broken syntax",
        "cpp_proj",
        "src/shape.cpp",
        "$0Circle::Circle(double radius)",
        "int twice(int x) { return 2 * x }\n\n",
        ("syntax",),
    ),
]


@pytest.fixture(scope="session")
def repo_views(
    fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, IndexView]:
    """An index view of every fixture repository, built once into a temporary database."""
    views: dict[str, IndexView] = {}
    for name in REPOS:
        root = (fixtures_dir / "repos" / name).resolve()
        store = IndexStore(root, tmp_path_factory.mktemp("index") / f"{name}.db")
        settings = IndexSettings()
        rules = IgnoreRules(root, settings)
        Indexer(store, rules, resolver=default_resolver(root, (), None)).refresh()
        views[name] = IndexView(store)
    return views


def run_case(path: Path, at: str, text: str, view: SymbolView) -> list[Problem]:
    """Validate `text` inserted where `at`'s `$0` falls in the file at `path`."""
    source = path.read_text(encoding="utf-8")
    anchor = source.index(at.replace("$0", ""))
    offset = anchor + at.index("$0")
    lang = language_for_path(path)
    language_id = lang.language_ids[0] if lang else ""
    document = Document(path.as_uri(), source, language_id, path=path)
    return validate(document, offset, text, view, ValidationSettings())


@pytest.mark.parametrize("case", CASES, ids=[f"{c.repo}: {c.description}" for c in CASES])
def test_validate(case: Case, fixtures_dir: Path, repo_views: dict[str, IndexView]) -> None:
    path = (fixtures_dir / "repos" / case.repo / case.file).resolve()
    problems = run_case(path, case.at, case.text, repo_views[case.repo])
    assert tuple(sorted({p.kind for p in problems})) == case.expected, problems
    if case.message:
        assert case.message in problems[0].message
    for problem in problems:
        assert 0 <= problem.start_offset <= problem.end_offset <= len(case.text)


def test_a_file_outside_any_workspace_is_checked_against_the_language(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_text("import os\n\n\ndef main():\n    return os.getcwd()\n", encoding="utf-8")
    at = "$0    return os.getcwd()"
    assert run_case(path, at, "    import json\n", EmptyView()) == []
    kinds = [p.kind for p in run_case(path, at, "    import requestz\n    frob()\n", EmptyView())]
    assert kinds == ["unknown-symbol", "unknown-dependency"]


def test_a_sibling_module_of_a_script_is_not_an_unknown_dependency(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("def help_me():\n    return 1\n", encoding="utf-8")
    path = tmp_path / "script.py"
    path.write_text("x = 1\n", encoding="utf-8")
    assert run_case(path, "$0x = 1", "import helpers\n", EmptyView()) == []


def test_off_policies_skip_their_checks(
    fixtures_dir: Path, repo_views: dict[str, IndexView]
) -> None:
    path = (fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py").resolve()
    source = path.read_text(encoding="utf-8")
    offset = source.index("    return Order(")
    document = Document(path.as_uri(), source, "python", path=path)
    text = "    import requestz\n    x = frob(\n"
    settings = ValidationSettings(syntax="off", unknown_symbol="off", unknown_dependency="off")
    assert validate(document, offset, text, repo_views["py_shop"], settings) == []
    disabled = ValidationSettings(enabled=False)
    assert validate(document, offset, text, repo_views["py_shop"], disabled) == []
