; Definitions that the shipped tags.scm of tree-sitter-cpp leaves out.

(namespace_definition name: (namespace_identifier) @name) @definition.module
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro
(field_declaration declarator: (field_identifier) @name) @definition.field
(enumerator name: (identifier) @name) @definition.constant
(field_declaration
  declarator: (pointer_declarator declarator: (field_identifier) @name)) @definition.field
(translation_unit
  (declaration declarator: (init_declarator declarator: (identifier) @name)) @definition.variable)
(namespace_definition
  body: (declaration_list
    (declaration declarator: (init_declarator declarator: (identifier) @name)) @definition.variable))
(alias_declaration name: (type_identifier) @name) @definition.type
