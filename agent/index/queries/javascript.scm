; dial tag query for JavaScript (see python.scm for the capture conventions).

(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(class_declaration name: (identifier) @name) @definition.class
(method_definition name: (property_identifier) @name) @definition.method
(program (lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @definition.function)))
(program (lexical_declaration (variable_declarator name: (identifier) @name value: [(string) (number) (object) (array) (call_expression) (new_expression) (template_string)]) @definition.variable))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name value: [(string) (number) (object) (array) (call_expression) (new_expression) (template_string)]) @definition.variable)))
(assignment_expression left: (member_expression object: (identifier) property: (property_identifier) @name) right: [(arrow_function) (function_expression)]) @definition.function

(call_expression function: (identifier) @reference.call)
(call_expression function: (member_expression property: (property_identifier) @reference.call))
(new_expression constructor: (identifier) @reference.type)
(member_expression property: (property_identifier) @reference.attribute)
(class_heritage (identifier) @reference.type)
(import_specifier name: (identifier) @reference.import)
(import_clause (identifier) @reference.import)
(jsx_opening_element name: (identifier) @reference.type)
(jsx_self_closing_element name: (identifier) @reference.type)
