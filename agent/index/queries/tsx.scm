; dial tag query for TSX: TypeScript's query plus JSX element names (see python.scm for the capture conventions).
; inherits: typescript

(jsx_opening_element name: (identifier) @reference.type)
(jsx_self_closing_element name: (identifier) @reference.type)
