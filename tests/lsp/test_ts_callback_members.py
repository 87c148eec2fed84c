"""TypeScript callback parameters typed by the call they are passed to, end to end:
`fillin/context` from a real `fillin serve` over stdio.

The `tscallbacks` fixture (on disk): `src/callback.ts` stops at `out.|` inside an arrow
function passed to `stream`, whose signature types it (`subscribe: (sink: Sink<T>, label:
string) => void`); `src/method.ts` stops at `target.|` inside an object literal's method
passed to `new Pipe(...)`, whose constructor takes a `PipeSource<T>` whose `pull(sink:
Sink<T>, size: number)` types it. Neither parameter states a type, and neither name is
like the type's. `src/pipe.ts` stops at `pipe.|` on a `Pipe`, whose header's type
parameters are written one a line, with constraints and defaults. The model service is
the loopback stand-in and is never called (`fillin/context` only builds the prompt).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from tests.lsp.test_requests import context_at_fixture
from tests.modelserver import ModelServer

SINK_MEMBERS = ("push(value: T): void", "finish: () => void", "fail(reason: Error): void")


def _member_text(result: Any) -> str:
    return "".join(s.text for s in result.sections if s.source == "member")


@pytest.mark.parametrize(
    "hole",
    [
        # `stream<number>((out, label) => { ... out.| })`: a function type's parameter.
        "tscallbacks/src/callback.ts",
        # `new Pipe<number>({ async pull(target, size) { target.| } })`: a method of the
        # constructor's parameter type.
        "tscallbacks/src/method.ts",
    ],
)
async def test_a_callbacks_untyped_parameter_takes_the_type_its_callee_declares(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path, hole: str
) -> None:
    result = await context_at_fixture(client, model_server, tmp_path, hole, "typescript")

    members = _member_text(result)
    assert "interface Sink<T>" in members, [(s.source, s.path) for s in result.sections]
    for member in SINK_MEMBERS:
        assert member in members
    # The unrelated class is not offered as the receiver's type.
    assert "pushed: number" not in members


async def test_a_header_with_type_parameters_on_lines_of_their_own_is_cut_to_their_names(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await context_at_fixture(
        client, model_server, tmp_path, "tscallbacks/src/pipe.ts", "typescript"
    )

    members = _member_text(result)
    # `export class Pipe<\n  T,\n  in out TMark extends number = number,\n> {` in the source.
    assert "export class Pipe<T, TMark> {\n" in members, members
    assert "highWaterMark: number" in members
    assert "extends number" not in members
