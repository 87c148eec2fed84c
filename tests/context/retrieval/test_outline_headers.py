"""A TypeScript type header whose type parameters run over lines of their own, cut to the
parameters' names for an outline. Pure function over literal signatures."""

from __future__ import annotations

import pytest

from context.retrieval.outline import short_type_parameters


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        (
            "export class RouterCore<\n  in out TRouteTree extends AnyRoute,\n"
            "  in out TDehydrated extends Record<string, any> = Record<string, any>,\n"
            "> extends Base<TRouteTree>",
            "export class RouterCore<TRouteTree, TDehydrated> extends Base<TRouteTree>",
        ),
        (
            "export type Handler<\n  A extends (x: number) => void = () => void,\n"
            "  B = Map<K, V>\n> =",
            "export type Handler<A, B> =",
        ),
        # A header on one line, or whose first line already names a parameter, stays.
        (
            "export interface Box<T extends Item = Item>",
            "export interface Box<T extends Item = Item>",
        ),
        ("export class Pair<A,\n  B> {", "export class Pair<A,\n  B> {"),
        # An unclosed list is left as written.
        ("export class Open<\n  T extends X", "export class Open<\n  T extends X"),
    ],
)
def test_short_type_parameters(signature: str, expected: str) -> None:
    assert short_type_parameters(signature) == expected
