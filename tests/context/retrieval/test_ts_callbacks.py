"""Which call an untyped TypeScript callback parameter is passed to, read from the text
before the cursor, and the declared side: a signature's parameter types by position and a
function type's parameter. Pure functions over literal source text."""

from __future__ import annotations

import pytest

from context.retrieval.ts_callbacks import (
    CallbackSlot,
    callback_slot,
    function_parameter,
    parameter_types,
)


@pytest.mark.parametrize(
    ("before", "name", "expected"),
    [
        (
            "observable((observer) =>\n  observer.",
            "observer",
            CallbackSlot("observable", 0, 0, None),
        ),
        ("items.forEach((item, i) => { use(); i.", "i", CallbackSlot("items.forEach", 0, 1, None)),
        ("run(1, function (done) {\n  done.", "done", CallbackSlot("run", 1, 0, None)),
        (
            "src?.subscribe({ a: 1, next: (v) => v.",
            "v",
            CallbackSlot("src.subscribe", 0, 0, "next"),
        ),
        (
            "new Pipe<number>({\n  async pull(target, size) {\n    target.",
            "target",
            CallbackSlot("Pipe", 0, 0, "pull"),
        ),
        # The cursor is past the arrow's expression body, in the next argument.
        ("items.forEach((item) => use(item), item.", "item", None),
        # A closed block body no longer encloses the cursor.
        ("items.forEach((item) => { use(item) });\nitem.", "item", None),
        # A typed parameter is read by the declaration lookup, not from the callee.
        ("items.forEach((item: Item) => item.", "item", None),
        # `if (x) {` is no method of an object literal.
        ("if (ready) {\n  ready.", "ready", None),
    ],
)
def test_callback_slot(before: str, name: str, expected: CallbackSlot | None) -> None:
    assert callback_slot(before, len(before), name) == expected


def test_parameter_types_are_read_by_position() -> None:
    signature = "f<T>(subscribe: (o: Observer<T>) => X, size = 2, opts?: Opts<A, B>)"
    assert parameter_types(signature, signature.index("(")) == [
        "(o: Observer<T>) => X",
        None,
        "Opts<A, B>",
    ]


def test_function_parameter_reads_a_function_types_parameter() -> None:
    declared = "<U>(value: T, index: number) => U"
    assert function_parameter(declared, 0) == "T"
    assert function_parameter(declared, 1) == "number"
    assert function_parameter(declared, 2) is None
    assert function_parameter("Observer<T>", 0) is None
