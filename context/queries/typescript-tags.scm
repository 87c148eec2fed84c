; Definitions that the shipped tags.scm files of tree-sitter-javascript and
; tree-sitter-typescript leave out.

(program
  (lexical_declaration (variable_declarator name: (identifier) @name) @definition.constant))
(export_statement
  declaration: (lexical_declaration
    (variable_declarator name: (identifier) @name) @definition.constant))

(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(public_field_definition name: (property_identifier) @name) @definition.field
(interface_body (property_signature name: (property_identifier) @name) @definition.field)
