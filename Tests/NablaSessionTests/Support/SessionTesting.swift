/// The one test helper of NablaSessionTests: sessions set up from entries, and the checks
/// made of an entry's result.
///
///     let s = try session("f(x) = x^2")
///     let r = s.run(":grad f(3)")
///     #expect(r.output == ["f(3) = 9.0", "∂f/∂x = 6.0"])

import NablaCore
import NablaLanguage
import Testing

@testable import NablaSession

/// A session after `setup`, every entry of which must succeed.
func session(_ setup: String...) throws -> Session {
  try session(setup)
}

func session(_ setup: [String]) throws -> Session {
  let s = Session()
  for entry in setup {
    let result = s.run(entry)
    try #require(result.succeeded, "setup entry failed: \(entry)\n\(result.text())")
  }
  return s
}

/// The value an entry prints, as a tensor (via `--json`'s `value` field).
func value(of result: EntryResult) -> JSONValue? {
  result.fields.first { $0.0 == "value" }?.1
}

/// A field of the entry's JSON object.
func field(_ name: String, of result: EntryResult) -> JSONValue? {
  result.fields.first { $0.0 == name }?.1
}

/// Whether `a` and `b` agree to a relative tolerance (an absolute one near zero).
func close(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool {
  abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}

/// The number in a JSON value.
func number(_ value: JSONValue?) -> Double? {
  switch value {
  case .number(let x)?: x
  case .integer(let i)?: Double(i)
  default: nil
  }
}

/// The numbers in a JSON value, flattened.
func numbers(_ value: JSONValue?) -> [Double] {
  switch value {
  case .number(let x)?: [x]
  case .integer(let i)?: [Double(i)]
  case .array(let items)?: items.flatMap { numbers($0) }
  default: []
  }
}

/// The column (1-based) where the diagnostic's caret starts.
func column(of diagnostic: Diagnostic, in result: EntryResult) -> Int {
  result.source.location(of: diagnostic.range.start).column
}
