; Definitions that the shipped tags.scm of tree-sitter-c leaves out.

(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro
(field_declaration declarator: (field_identifier) @name) @definition.field
(enumerator name: (identifier) @name) @definition.constant
(field_declaration
  declarator: (pointer_declarator declarator: (field_identifier) @name)) @definition.field
(translation_unit
  (declaration declarator: (init_declarator declarator: (identifier) @name)) @definition.variable)
