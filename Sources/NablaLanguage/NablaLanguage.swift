// The language: lexer, parser, AST, diagnostics, evaluator.
