; Definitions that the shipped tags.scm of tree-sitter-javascript leaves out.

; Top-level constants and variables (functions among them are deduplicated by the extractor).
(program
  (lexical_declaration (variable_declarator name: (identifier) @name) @definition.constant))
(program
  (variable_declaration (variable_declarator name: (identifier) @name) @definition.variable))
(export_statement
  declaration: (lexical_declaration
    (variable_declarator name: (identifier) @name) @definition.constant))

; Class fields.
(field_definition property: (property_identifier) @name) @definition.field
