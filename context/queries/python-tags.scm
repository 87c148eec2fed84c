; Definitions that the shipped tags.scm of tree-sitter-python leaves out.

; Class attributes, annotated or assigned in the class body.
(class_definition
  body: (block
    (expression_statement
      (assignment left: (identifier) @name) @definition.field)))

; Instance attributes assigned as `self.name = ...` directly in `__init__`.
(function_definition
  name: (identifier) @_init
  body: (block
    (expression_statement
      (assignment
        left: (attribute
          object: (identifier) @_self
          attribute: (identifier) @name)) @definition.field))
  (#eq? @_init "__init__")
  (#eq? @_self "self"))
