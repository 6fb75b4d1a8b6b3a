/// The "language" path: the same five workloads written as Nabla language entries, parsed
/// once during preparation and evaluated through the language's evaluator in the timed call.
///
/// HOOK for a later issue (the language is not finished yet). To add the path:
///   1. In `prepare(_:)`, return for each workload id a closure that builds the inputs
///      (the tensors of `Inputs`, bound as session variables), parses the entries ONCE, and
///      returns a `Prepared` whose `call` only evaluates the parsed entries (e.g. a
///      `grad`/value-and-gradient entry) and returns the same `Outcome` as `APIPath`:
///      `[value, gradients…]` (W4: `[sum of gradients, max |diff|]`; W1 also a `numeric`
///      `Secondary` using the language's own f on constants).
///   2. Nothing else changes: checks, timing and JSON are shared, and the JSON lines say
///      `"path":"language"`. Run with `--paths api,language`.
/// The target may then also import NablaLanguage and NablaSession (Package.swift already
/// lists both as dependencies).
enum LanguagePath {
  static func prepare(_ id: String) -> (() throws -> Prepared)? {
    nil
  }
}
