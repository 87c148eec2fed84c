; Definitions that the shipped tags.scm of tree-sitter-python leaves out.

; Class attributes, annotated or assigned in the class body.
(class_definition
  body: (block
    (expression_statement
      (assignment left: (identifier) @name) @definition.field)))

; Instance attributes (`self.name = ...`) assigned in `__init__` or `__post_init__`: the body
; is captured whole and `context/syntax.py` walks its statements, since a query cannot follow
; assignments through any depth of `if`/`try`/`with`/`for` blocks.
(function_definition
  name: (identifier) @_init
  parameters: (parameters . (identifier) @fields.self)
  body: (block) @definition.fields
  (#any-of? @_init "__init__" "__post_init__"))
