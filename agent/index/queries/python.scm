; dial tag query for Python.
; Conventions (all languages): a pattern with @definition.<kind> and @name defines a symbol;
; @scope + @name only names a scope for qualified names; @reference.<kind> marks a use of an identifier
; (kinds: call, attribute, type, import, name); @import marks an import statement for language-specific code.
; @object (Python only): an attribute's object, read by the import/self hints (cheaper than asking for parents).

(class_definition name: (identifier) @name) @definition.class
(function_definition name: (identifier) @name) @definition.function

(module (assignment left: (identifier) @name) @definition.variable)
(class_definition body: (block (assignment left: (identifier) @name) @definition.field))

(call function: (identifier) @reference.call)
(call function: (attribute attribute: (identifier) @reference.call))
(attribute object: (_) @object attribute: (identifier) @reference.attribute)
(decorator (identifier) @reference.call)
(type (identifier) @reference.type)
(generic_type (identifier) @reference.type)
(class_definition superclasses: (argument_list (identifier) @reference.type))
(class_definition superclasses: (argument_list (attribute attribute: (identifier) @reference.type)))
(except_clause (identifier) @reference.type)
(raise_statement (identifier) @reference.type)

(import_statement) @import
(import_from_statement) @import
