"""Python instance attributes in the index: every `self.name = ...` that `__init__` or
`__post_init__` runs counts, inside `if`/`try`/`with`/`for` blocks too, once per name; what
nested functions, lambdas and classes assign does not.

Real tree-sitter parses, a real SQLite index, the `py_fields` fixture repository on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from context.languages import language_for_id
from context.syntax import ExtractionCache, extract_all, extract_definitions, parse
from context.workspace import Workspace

OpenWorkspace = Callable[..., Workspace]
URL_PY = (
    Path(__file__).resolve().parents[2] / "fixtures" / "repos" / "py_fields" / "netkit" / "url.py"
)


async def test_fields_assigned_in_init_blocks_are_members_once(
    copy_repo: Callable[[str], Path], open_workspace: OpenWorkspace
) -> None:
    workspace = open_workspace(copy_repo("py_fields"))
    await workspace.index()
    members = workspace.store.members("URL")
    fields = [(m.name, m.signature) for m in members if m.kind == "field"]
    assert fields == [
        ("default_port", "default_port: int = 80"),
        ("strict", "strict = False"),
        ("raw", "self.raw = raw"),
        ("fragment", "self.fragment: str | None = None"),
        ("scheme", 'self.scheme, rest = raw.split("://", 1)[0], raw.split("://", 1)[1]'),
        ("port", "self.port: int = int(port)"),
        ("strict", "self.strict = strict"),
        ("sink", "self.sink = sink"),
        ("empty_label", "self.empty_label = True"),
        ("host", 'self.host, self.path = host, "/"'),
        ("path", 'self.host, self.path = host, "/"'),
        ("user", "self.user = self.password = None"),
        ("password", "self.user = self.password = None"),
        ("on_reset", "self.on_reset = reset"),
        ("factory", 'self.factory = lambda: setattr(self, "from_lambda", 1)'),
        ("parts", "self.parts = Parts()"),
        # A `None` placeholder gives way to the assignment that says what the field holds.
        ("query", "self.query = Query(rest)"),
    ]
    scheme = next(m for m in members if m.name == "scheme")
    assert scheme.start_line_idx == 28
    names = {m.name for m in members}
    assert {"__init__", "normalise"} <= names
    # Assigned by a nested function, another object or another method: not fields of URL.
    assert not names & {"reset_called", "from_lambda", "parts_only", "not_mine", "normalised"}

    body = [(m.name, m.signature) for m in workspace.store.members("Body") if m.kind == "field"]
    # `encoding` is declared in the class body first: `__post_init__` adds no second row.
    assert body == [
        ("content", "content: Any"),
        ("encoding", 'encoding: str = "utf-8"'),
        ("headers", "headers: dict[str, str] = field(default_factory=dict)"),
        ("_body", "self._body = json.dumps(self.content).encode(self.encoding)"),
    ]


def test_an_edited_document_extracts_the_same_fields_as_a_full_parse() -> None:
    python = language_for_id("python")
    assert python is not None
    source = URL_PY.read_bytes()
    cache = ExtractionCache(python)
    full = extract_definitions(python, parse(python, source), source)
    assert cache.extract(parse(python, source), source)[0] == full
    assert extract_all(python, parse(python, source), source)[0] == full
    edited = source.replace(b'"""URLs and request bodies."""\n', b'"""URLs."""\n\n\n')
    shifted = cache.extract(parse(python, edited), edited)[0]
    assert [(d.name, d.start_line_idx - 2) for d in shifted] == [
        (d.name, d.start_line_idx) for d in full
    ]
    assert [d.name for d in full].count("scheme") == 1
