/// A JSON value for `--json` output, with an encoder that keeps numbers exact (shortest
/// round-trip form) and writes NaN and infinities as the strings "nan", "inf", "-inf".
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case number(Double)
  case integer(Int)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool { a.encoded() == b.encoded() }

  /// A number, or nested arrays for a tensor of rank ≥ 1.
  public static func tensor(shape: [Int], scalars: [Double]) -> JSONValue {
    if shape.isEmpty { return .number(scalars.first ?? .nan) }
    let inner = shape.dropFirst().reduce(1, *)
    return .array((0..<shape[0]).map { i in
      .tensor(shape: Array(shape.dropFirst()), scalars: Array(scalars[(i * inner)..<((i + 1) * inner)]))
    })
  }

  /// Compact JSON text on one line.
  public func encoded() -> String {
    var out = ""
    write(to: &out)
    return out
  }

  private func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .integer(let i): out += String(i)
    case .number(let x):
      if x.isNaN {
        out += "\"nan\""
      } else if x.isInfinite {
        out += x > 0 ? "\"inf\"" : "\"-inf\""
      } else if x == x.rounded() && Swift.abs(x) < 1e15 {
        out += String(Int(x))
      } else {
        out += "\(x)"
      }
    case .string(let s): JSONValue.writeString(s, to: &out)
    case .array(let items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        item.write(to: &out)
      }
      out += "]"
    case .object(let fields):
      out += "{"
      for (i, (key, value)) in fields.enumerated() {
        if i > 0 { out += "," }
        JSONValue.writeString(key, to: &out)
        out += ":"
        value.write(to: &out)
      }
      out += "}"
    }
  }

  /// `s` as a JSON string literal, quotes included.
  public static func quoted(_ s: String) -> String {
    var out = ""
    writeString(s, to: &out)
    return out
  }

  private static func writeString(_ s: String, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}
