; dial tag query for Java (see python.scm for the capture conventions).

(class_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(annotation_type_declaration name: (identifier) @name) @definition.interface
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(field_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.field

(method_invocation name: (identifier) @reference.call)
(object_creation_expression type: (type_identifier) @reference.type)
(type_identifier) @reference.type
(field_access field: (identifier) @reference.attribute)
(import_declaration (scoped_identifier name: (identifier) @reference.import))
