; Definitions that the shipped tags.scm of tree-sitter-rust leaves out.

(const_item name: (identifier) @name) @definition.constant
(static_item name: (identifier) @name) @definition.constant
(field_declaration name: (field_identifier) @name) @definition.field
(enum_variant name: (identifier) @name) @definition.field
(function_signature_item name: (identifier) @name) @definition.method
