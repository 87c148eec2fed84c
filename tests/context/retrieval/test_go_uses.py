"""What a Go file's bare names say about its package's definitions (`retrieval.go_uses`):
locals, parameters and composite-literal keys are no package names, and a function counts
where it is called."""

from __future__ import annotations

import time

from context.retrieval.go_uses import go_uses

SOURCE = """package gin

var defaultTrees = methodTrees{}

func reset() {
	defaultTrees = nil
}

func (engine *Engine) addRoute(kind, method, path string, handlers HandlersChain) {
	root := engine.trees.get(method)
	if root == nil {
		root = new(node)
		engine.trees = append(engine.trees, methodTree{method: method, root: root})
	}
	var source []byte
	_ = source
	debugPrintRoute(method, path, handlers)
	for _, param := range params {
		debugPrint("%s", param)
	}
	switch kind {
	case static, catchAll:
		return
	}
	go serve(handler)
	h := middleware
	_ = h
}
"""


def test_locals_parameters_and_keys_are_no_package_names() -> None:
    uses = go_uses(SOURCE)
    for local in ("root", "source", "param", "engine", "kind", "method", "path", "handlers", "h"):
        assert uses.free[local] == 0, local
    # A package-level `var` is the package's own name, used where it is assigned.
    assert uses.free["defaultTrees"] == 2
    # `methodTree{method: method, ...}`: the key is a field; the value is the parameter.
    assert uses.free["methodTree"] == 1
    # `case static, catchAll:` names values, keys of nothing.
    assert uses.free["static"] == 1
    assert uses.free["catchAll"] == 1


def test_a_function_counts_where_it_is_called() -> None:
    uses = go_uses(SOURCE)
    assert uses.called["debugPrintRoute"] == 1
    assert uses.called["debugPrint"] == 1
    assert uses.called["serve"] == 1
    # `handler` and `middleware` are passed or assigned, not called.
    assert uses.free["middleware"] == 1
    assert uses.called["middleware"] == 0
    assert uses.called["handler"] == 0


def test_a_crafted_line_of_many_declarations_stays_fast() -> None:
    # A line of 2,000 `a,a,...,b :=` once cost the square of its length (over a minute).
    line = ("a," * 50 + "bb := 1; ") * 2000
    started = time.perf_counter()
    uses = go_uses(f"package p\n\nfunc f() {{\n\t{line}\n\tcc(bb)\n}}\n")
    assert time.perf_counter() - started < 2.0
    assert uses.free["bb"] == 0
    assert uses.called["cc"] == 1
