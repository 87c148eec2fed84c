"""The checks behind `context.validation.policy`, one module per kind of problem.

`splice` builds the document with the suggestion inserted and its syntax tree (reusing
the cached tree of the document without it); `syntax_check`, `symbol_check`,
`arity_check` and `dependency_check` each read that splice and return `Problem`s.
"""
