import NablaLanguage
import Testing

/// Golden renderings of every parse error: message, caret and help, as a user sees them.
@Suite struct ParseErrorTests {
  static let expressionErrors: [(String, String)] = [
    (
      "f(x) = sinn(x) + 1 $",
      #"""
      error: unexpected character '$'
        f(x) = sinn(x) + 1 $
                           ^
      """#
    ),
    (
      "1 +",
      #"""
      error: expected an expression after '+'
        1 +
           ^
      """#
    ),
    (
      "1 + )",
      #"""
      error: unmatched ')'
        1 + )
            ^
      """#
    ),
    (
      "(1 + 2",
      #"""
      error: expected ')' to close '(' at column 1
        (1 + 2
              ^
      """#
    ),
    (
      "f(x",
      #"""
      error: expected ')' to close '(' at column 2
        f(x
           ^
      """#
    ),
    (
      "[1, 2",
      #"""
      error: expected ']' to close '[' at column 1
        [1, 2
             ^
      """#
    ),
    (
      "[1 2]",
      #"""
      error: expected ']' to close '[' at column 1
        [1 2]
           ^
        help: is a ',' missing?
      """#
    ),
    (
      "f(x y)",
      #"""
      error: expected ')' to close '(' at column 2
        f(x y)
            ^
        help: is a ',' missing?
      """#
    ),
    (
      "f(x=1)",
      #"""
      error: expected ')' to close '(' at column 2
        f(x=1)
           ^
        help: keyword arguments use ':', as in sum(x, axis: 0)
      """#
    ),
    (
      "x[]",
      #"""
      error: expected an index after '['
        x[]
          ^
        help: x[0] is the first element, x[:] all of them
      """#
    ),
    (
      "x[0,]",
      #"""
      error: expected an expression after ','
        x[0,]
            ^
      """#
    ),
    (
      "x[..., ...]",
      #"""
      error: an index can have only one '...'
        x[..., ...]
               ^~~
      """#
    ),
    (
      "...",
      #"""
      error: '...' can only be used inside an index
        ...
        ^~~
        help: as in x[..., 0]
      """#
    ),
    (
      "a < b < c",
      #"""
      error: comparison operators cannot be chained
        a < b < c
              ^
        help: add parentheses to say which comparison comes first, as in (a < b) == c
      """#
    ),
    (
      "2x",
      #"""
      error: unexpected name 'x'
        2x
         ^
        help: write '2*x' to multiply
      """#
    ),
    (
      "2(x+1)",
      #"""
      error: only a function name can be called
        2(x+1)
        ^
        help: write '*' to multiply
      """#
    ),
    (
      "(f)(x)",
      #"""
      error: only a function name can be called
        (f)(x)
        ^~~
      """#
    ),
    (
      "x y",
      #"""
      error: unexpected name 'y'
        x y
          ^
        help: is an operator missing before it?
      """#
    ),
    (
      "f(x) =",
      #"""
      error: expected an expression after '='
        f(x) =
              ^
      """#
    ),
    (
      "1 = 2",
      #"""
      error: cannot assign to this expression
        1 = 2
        ^
      """#
    ),
    (
      "x + 1 = 2",
      #"""
      error: cannot assign to this expression
        x + 1 = 2
        ^~~~~
      """#
    ),
    (
      "x[0] = 1",
      #"""
      error: cannot assign to this expression
        x[0] = 1
        ^~~~
        help: tensors cannot be changed in place; assign a new tensor to a name
      """#
    ),
    (
      "f(x, x) = 1",
      #"""
      error: duplicate parameter 'x'
        f(x, x) = 1
             ^
      """#
    ),
    (
      "f(2) = 1",
      #"""
      error: expected a parameter name
        f(2) = 1
          ^
        help: a definition names its parameters, as in f(x, y) = x*y
      """#
    ),
    (
      "f(a: x) = 1",
      #"""
      error: expected a parameter name
        f(a: x) = 1
          ^~~~
        help: a definition names its parameters, as in f(x, y) = x*y
      """#
    ),
    (
      "x = y = 1",
      #"""
      error: unexpected '='
        x = y = 1
              ^
        help: assign one name per entry
      """#
    ),
    (
      "f(axis: 1, axis: 2)",
      #"""
      error: 'axis' is given twice
        f(axis: 1, axis: 2)
                   ^~~~
      """#
    ),
    (
      "f(axis: 1, 2)",
      #"""
      error: positional argument after keyword argument 'axis'
        f(axis: 1, 2)
                   ^
        help: put positional arguments first
      """#
    ),
    (
      "1 ** 2",
      #"""
      error: '**' is not an operator
        1 ** 2
          ^~
        help: use '^' for powers, as in x^2
      """#
    ),
    (
      "x; y",
      #"""
      error: unexpected ';'
        x; y
         ^
        help: put each entry on its own line
      """#
    ),
    (
      ")",
      #"""
      error: unmatched ')'
        )
        ^
      """#
    ),
    (
      "x)",
      #"""
      error: unmatched ')'
        x)
         ^
      """#
    ),
    (
      "[1, 2]]",
      #"""
      error: unmatched ']'
        [1, 2]]
              ^
      """#
    ),
    (
      "1 $ 2",
      #"""
      error: unexpected character '$'
        1 $ 2
          ^
      """#
    ),
    (
      "a = {1}",
      #"""
      error: unexpected character '{'
        a = {1}
            ^
        help: tensor literals use square brackets, as in [1, 2, 3]
      """#
    ),
    (
      "s = 'abc'",
      #"""
      error: unexpected character "'"
        s = 'abc'
            ^
        help: Nabla has no strings
      """#
    ),
    (
      "!x",
      #"""
      error: expected an expression
        !x
        ^
      """#
    ),
    (
      "x = 1e",
      #"""
      error: malformed number '1e': expected digits after the exponent 'e'
        x = 1e
            ^~
      """#
    ),
    (
      "x = 1e400",
      #"""
      error: number '1e400' is too large
        x = 1e400
            ^~~~~
        help: write inf for infinity
      """#
    ),
    (
      "y = 1.5.2",
      #"""
      error: unexpected number '.2'
        y = 1.5.2
               ^~
        help: is an operator missing before it?
      """#
    ),
    (
      "λ = θ + €",
      #"""
      error: unexpected character '€'
        λ = θ + €
                ^
      """#
    ),
    (
      "x = 1\ny = 2",
      #"""
      error: unexpected name 'y' on a new line
        y = 2
        ^
        help: put each entry in its own input; inside ( or [ an entry may span lines
      """#
    ),
    (
      "f(x,\n  y]",
      #"""
      error: expected ')' to close '(' at line 1, column 2
          y]
           ^
      """#
    ),
    (
      "f(x) =\n  x^2",
      #"""
      error: expected an expression after '='
        f(x) =
              ^
        help: an entry continues on the next line only inside ( or [
      """#
    ),
    (
      "g(x) = [1,\n   2,\n   3 4]",
      #"""
      error: expected ']' to close '[' at line 1, column 8
           3 4]
             ^
        help: is a ',' missing?
      """#
    ),
  ]

  static let commandErrors: [(String, String)] = [
    (
      ":",
      #"""
      error: expected a command name after ':'
        :
         ^
        help: commands: :grad :check :time :diff :jacobian :hessian :plot :descend :graph :dot :vars :funcs :del :clear :help :quit :save :load :recover :set
      """#
    ),
    (
      ":foo",
      #"""
      error: unknown command ':foo'
        :foo
        ^~~~
        help: commands: :grad :check :time :diff :jacobian :hessian :plot :descend :graph :dot :vars :funcs :del :clear :help :quit :save :load :recover :set
      """#
    ),
    (
      ":gard x",
      #"""
      error: unknown command ':gard'
        :gard x
        ^~~~~
        help: did you mean ':grad'?
              commands: :grad :check :time :diff :jacobian :hessian :plot :descend :graph :dot :vars :funcs :del :clear :help :quit :save :load :recover :set
      """#
    ),
    (
      ":grad",
      #"""
      error: expected an expression after ':grad'
        :grad
             ^
      """#
    ),
    (
      ":grad f(x) wrt",
      #"""
      error: expected a name after 'wrt'
        :grad f(x) wrt
                      ^
      """#
    ),
    (
      ":grad f(x) wrt 1",
      #"""
      error: expected a name after 'wrt'
        :grad f(x) wrt 1
                       ^
      """#
    ),
    (
      ":grad f(x) wrtt x",
      #"""
      error: unexpected name 'wrtt'
        :grad f(x) wrtt x
                   ^~~~
        help: did you mean 'wrt'?
      """#
    ),
    (
      ":check f(x) over x in [0,1]",
      #"""
      error: ':check ... over' takes a function name
        :check f(x) over x in [0,1]
                    ^~~~
        help: as in :check f over x in [-1, 1]
      """#
    ),
    (
      ":check f(x) tol",
      #"""
      error: expected a number after 'tol'
        :check f(x) tol
                       ^
      """#
    ),
    (
      ":check f(x) tl 1e-3",
      #"""
      error: unexpected name 'tl'
        :check f(x) tl 1e-3
                    ^~
        help: did you mean 'tol'?
      """#
    ),
    (
      ":check f over x",
      #"""
      error: expected 'in' after 'x'
        :check f over x
                       ^
        help: as in x in [-1, 1]
      """#
    ),
    (
      ":check f over x in 0",
      #"""
      error: expected '[' to start the range of 'x'
        :check f over x in 0
                           ^
        help: as in x in [-1, 1]
      """#
    ),
    (
      ":check f over x in [a, 1]",
      #"""
      error: expected a number for the lower bound of 'x'
        :check f over x in [a, 1]
                            ^
      """#
    ),
    (
      ":check f over x in [0 1]",
      #"""
      error: expected ',' between the bounds of 'x'
        :check f over x in [0 1]
                              ^
      """#
    ),
    (
      ":check f over x in [1, 0]",
      #"""
      error: the lower bound 1 is above the upper bound 0
        :check f over x in [1, 0]
                            ^~~~
      """#
    ),
    (
      ":check f over x in [0, 1] trials 0",
      #"""
      error: expected a positive whole number after 'trials'
        :check f over x in [0, 1] trials 0
                                         ^
      """#
    ),
    (
      ":check f over x in [0, 1] trials 2.5",
      #"""
      error: expected a positive whole number after 'trials'
        :check f over x in [0, 1] trials 2.5
                                         ^~~
      """#
    ),
    (
      ":check f over x in [0, 1] trails 10",
      #"""
      error: unexpected name 'trails'
        :check f over x in [0, 1] trails 10
                                  ^~~~~~
        help: did you mean 'trials'?
      """#
    ),
    (
      ":check f over x in [0, 1] tol 1 tol 2",
      #"""
      error: 'tol' is given twice
        :check f over x in [0, 1] tol 1 tol 2
                                        ^~~
      """#
    ),
    (
      ":check f over x in [0, 1]^x",
      #"""
      error: expected a shape after '^'
        :check f over x in [0, 1]^x
                                  ^
        help: a shape is written like (5,) or (3, 4)
      """#
    ),
    (
      ":check f over x in [0, 1]^(2, a)",
      #"""
      error: expected a size in the shape
        :check f over x in [0, 1]^(2, a)
                                      ^
        help: a shape is written like (5,) or (3, 4)
      """#
    ),
    (
      ":diff",
      #"""
      error: expected a function name after ':diff'
        :diff
             ^
      """#
    ),
    (
      ":diff f(x)",
      #"""
      error: ':diff' takes a function name, not a call
        :diff f(x)
               ^
        help: as in :diff f wrt x
      """#
    ),
    (
      ":diff f wrt",
      #"""
      error: expected a name after 'wrt'
        :diff f wrt
                   ^
      """#
    ),
    (
      ":diff f as g as h",
      #"""
      error: 'as' is given twice
        :diff f as g as h
                     ^~
      """#
    ),
    (
      ":diff f ass g",
      #"""
      error: unexpected name 'ass'
        :diff f ass g
                ^~~
        help: did you mean 'as'?
      """#
    ),
    (
      ":dot f(x)",
      #"""
      error: expected '>' and a file path after the expression
        :dot f(x)
                 ^
        help: as in :dot f(x) > f.dot
      """#
    ),
    (
      ":dot f(x) >",
      #"""
      error: expected a file path after '>'
        :dot f(x) >
                  ^
      """#
    ),
    (
      ":dot f(x) out.dot",
      #"""
      error: expected '>' and a file path after the expression
        :dot f(x) out.dot
                  ^~~
        help: as in :dot f(x) > f.dot
      """#
    ),
    (
      ":vars x",
      #"""
      error: ':vars' takes no arguments
        :vars x
              ^
      """#
    ),
    (
      ":quit!",
      #"""
      error: ':quit' takes no arguments
        :quit!
             ^
      """#
    ),
    (
      ":del",
      #"""
      error: expected a name after ':del'
        :del
            ^
      """#
    ),
    (
      ":del 1",
      #"""
      error: expected a name after ':del'
        :del 1
             ^
      """#
    ),
    (
      ":save",
      #"""
      error: expected a file path after ':save'
        :save
             ^
        help: as in :save session.nabla
      """#
    ),
    (
      ":save!",
      #"""
      error: expected a file path after ':save!'
        :save!
              ^
        help: as in :save! session.nabla
      """#
    ),
    (
      ":load  # nothing",
      #"""
      error: expected a file path after ':load'
        :load  # nothing
             ^
        help: as in :load session.nabla
      """#
    ),
    (
      ":set",
      #"""
      error: expected a setting name after ':set'
        :set
            ^
      """#
    ),
    (
      ":set precision",
      #"""
      error: expected a value for 'precision'
        :set precision
                      ^
      """#
    ),
    (
      ":time",
      #"""
      error: expected an expression after ':time'
        :time
             ^
      """#
    ),
    (
      ":jacobian f(x",
      #"""
      error: expected ')' to close '(' at column 12
        :jacobian f(x
                     ^
      """#
    ),
    (
      ":help me\n:vars",
      #"""
      error: unexpected ':' on a new line
        :vars
        ^
        help: put each entry in its own input; inside ( or [ an entry may span lines
      """#
    ),
  ]

  @Test(arguments: expressionErrors)
  func expressionError(input: String, rendered: String) {
    #expect(renderedError(input) == rendered)
  }

  @Test(arguments: commandErrors)
  func commandError(input: String, rendered: String) {
    #expect(renderedError(input) == rendered)
  }
}
