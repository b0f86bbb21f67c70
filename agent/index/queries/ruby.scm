; dial tag query for Ruby (see python.scm for the capture conventions).

(method name: (_) @name) @definition.method
(singleton_method name: (_) @name) @definition.method
(class name: (constant) @name) @definition.class
(class name: (scope_resolution name: (constant) @name)) @definition.class
(module name: (constant) @name) @definition.module_scope
(assignment left: (constant) @name) @definition.constant

(call method: (identifier) @reference.call)
(call receiver: (constant) @reference.type)
(superclass (constant) @reference.type)
(scope_resolution name: (constant) @reference.type)
(argument_list (constant) @reference.type)
(body_statement (identifier) @reference.call)
(program (identifier) @reference.call)
