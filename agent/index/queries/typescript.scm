; dial tag query for TypeScript (see python.scm for the capture conventions).

(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(class_declaration name: (type_identifier) @name) @definition.class
(abstract_class_declaration name: (type_identifier) @name) @definition.class
(interface_declaration name: (type_identifier) @name) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
(enum_declaration name: (identifier) @name) @definition.enum
(method_definition name: (property_identifier) @name) @definition.method
(method_signature name: (property_identifier) @name) @definition.method
(abstract_method_signature name: (property_identifier) @name) @definition.method
(internal_module name: (identifier) @name) @definition.module_scope
(program (lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function)))
(program (lexical_declaration (variable_declarator name: (identifier) @name value: [(string) (number) (object) (array) (call_expression) (new_expression) (template_string)]) @definition.variable))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name value: [(string) (number) (object) (array) (call_expression) (new_expression) (template_string)]) @definition.variable)))

(call_expression function: (identifier) @reference.call)
(call_expression function: (member_expression property: (property_identifier) @reference.call))
(new_expression constructor: (identifier) @reference.type)
(member_expression property: (property_identifier) @reference.attribute)
(type_identifier) @reference.type
(extends_clause value: (identifier) @reference.type)
(import_specifier name: (identifier) @reference.import)
(import_clause (identifier) @reference.import)
