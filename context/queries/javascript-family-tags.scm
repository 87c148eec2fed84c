; Definitions shared by JavaScript, TypeScript and TSX, read after the shipped tags.scm
; files and before each dialect's own `<name>-tags.scm`.

; Members assigned onto a constructor outside its body: `Foo.prototype.bar = function`,
; `Foo.prototype.bar = bar`, `Object.defineProperty(Foo.prototype, 'bar', ...)` and
; `Object.defineProperty(Foo, 'BAR', ...)`. `@local.scope` names the owner.
(expression_statement
  (assignment_expression
    left: (member_expression
      object: (member_expression
        object: (identifier) @local.scope
        property: (property_identifier) @_prototype)
      property: (property_identifier) @name)
    right: [(function_expression) (arrow_function) (identifier) (member_expression)])
  @definition.method
  (#eq? @_prototype "prototype"))
(expression_statement
  (call_expression
    function: (member_expression
      object: (identifier) @_object
      property: (property_identifier) @_define)
    arguments: (arguments
      .
      [
        (identifier) @local.scope
        (member_expression
          object: (identifier) @local.scope
          property: (property_identifier) @_prototype
          (#eq? @_prototype "prototype"))
      ]
      .
      (string (string_fragment) @name)))
  @definition.field
  (#eq? @_object "Object")
  (#eq? @_define "defineProperty"))

; The fields a constructor assigns on `this`: a class's `constructor` and an ES5
; constructor function (a top-level function named in PascalCase).
(method_definition
  name: (property_identifier) @_constructor
  body: (statement_block) @definition.fields
  (#eq? @_constructor "constructor"))
(program
  (function_declaration
    name: (identifier) @local.scope
    body: (statement_block) @definition.fields)
  (#match? @local.scope "^[A-Z]"))

; What a prototype method assigns on `this` outside the constructor (`this.source = new
; CodeGen()` in `compile: function`): `@local.scope` names the constructor; only fields
; assigned a `new` object are kept (`context.js_fields.constructor_fields`), whose type the
; assignment states.
(expression_statement
  (assignment_expression
    left: (member_expression
      object: (identifier) @local.scope
      property: (property_identifier) @_prototype)
    right: (object
      [
        (pair value: (function_expression body: (statement_block) @definition.fields))
        (method_definition body: (statement_block) @definition.fields)
      ]))
  (#eq? @_prototype "prototype"))
(expression_statement
  (call_expression
    arguments: (arguments
      .
      (member_expression
        object: (identifier) @local.scope
        property: (property_identifier) @_prototype)
      (object
        [
          (pair value: (function_expression body: (statement_block) @definition.fields))
          (method_definition body: (statement_block) @definition.fields)
        ])))
  (#eq? @_prototype "prototype"))
(expression_statement
  (assignment_expression
    left: (member_expression
      object: (member_expression
        object: (identifier) @local.scope
        property: (property_identifier) @_prototype))
    right: (function_expression body: (statement_block) @definition.fields))
  (#eq? @_prototype "prototype"))
