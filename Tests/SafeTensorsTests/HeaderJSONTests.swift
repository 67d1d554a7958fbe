@testable import SafeTensors
import Testing

/// The hand-written JSON parser on its own: what it accepts, and its bounds.
@Suite struct HeaderJSONTests {
  /// Parses `text` as a header and returns its top-level members in order.
  func members(_ text: String, maxValuesPerMember: Int = 1_000_000) throws -> [(String, HeaderJSON)] {
    var out: [(String, HeaderJSON)] = []
    let other = try parseHeaderJSON(Array(text.utf8), maxValuesPerMember: maxValuesPerMember) { out.append(($0, $1)) }
    #expect(other == nil)
    return out
  }

  @Test func valuesAndEscapes() throws {
    let m = try members(#" { "a" : [1, -2, 3.5e-2, true, false, null, {}, []], "\u00e9\n\"\\\/\t\ud83d\ude00" : "x\u0041" } "#)
    #expect(m.count == 2)
    #expect(m[0].0 == "a")
    #expect(m[0].1 == .array([.number("1"), .number("-2"), .number("3.5e-2"), .bool(true), .bool(false), .null, .object([]), .array([])]))
    #expect(m[1].0 == "é\n\"\\/\t😀")
    #expect(m[1].1 == .string("xA"))
  }

  @Test func rawUTF8IsKept() throws {
    #expect(try members(#"{"größe ✓": "日本"}"#).first?.1 == .string("日本"))
  }

  @Test func aRootThatIsNotAnObjectIsReturned() throws {
    #expect(try parseHeaderJSON(Array(" [1] ".utf8)) { _, _ in } == .array([.number("1")]))
  }

  @Test func eachMemberHasAValueBudget() throws {
    _ = try members(#"{"a": [0, 0, 0], "b": [0, 0, 0]}"#, maxValuesPerMember: 4)
    #expect(throws: HeaderJSONSyntaxError(reason: "more than 4 values under one key", offset: 16)) {
      _ = try members(#"{"a": [0, 0, 0, 0]}"#, maxValuesPerMember: 4)
    }
  }

  @Test func membersArriveBeforeLaterSyntaxErrors() throws {
    var seen: [String] = []
    #expect(throws: HeaderJSONSyntaxError.self) {
      _ = try parseHeaderJSON(Array(#"{"a": 1, "b": 2, oops}"#.utf8)) { key, _ in seen.append(key) }
    }
    #expect(seen == ["a", "b"])
  }
}
