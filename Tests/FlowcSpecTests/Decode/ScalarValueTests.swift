import Testing

@testable import FlowcSpec

/// The scalar rules (see `ScalarValue`): strict YAML 1.2 core schema.
@Suite struct ScalarValueTests {
  @Test(arguments: [
    ("0", ScalarValue.IntReading.value(0)), ("-3", .value(-3)), ("+7", .value(7)),
    ("9223372036854775807", .value(Int.max)), ("-9223372036854775808", .value(Int.min)),
    ("9223372036854775808", .tooLarge), ("-99999999999999999999", .tooLarge),
    ("1_000", .digitSeparators("1000")), ("1.0", .notAnInteger), ("0x10", .notAnInteger),
    ("0o7", .notAnInteger), ("1e3", .notAnInteger), ("", .notAnInteger), ("_1", .notAnInteger),
  ])
  func integers(text: String, reading: ScalarValue.IntReading) {
    #expect(ScalarValue.int(YAMLScalar(text)) == reading)
  }

  @Test func quotedIsNeverANumber() {
    #expect(ScalarValue.int(YAMLScalar("1", style: .doubleQuoted)) == .notAnInteger)
    #expect(ScalarValue.double(YAMLScalar("1.5", style: .singleQuoted)) == .notANumber)
    #expect(ScalarValue.bool(YAMLScalar("true", style: .doubleQuoted)) == .notABoolean)
    #expect(ScalarValue.isString(YAMLScalar("1", style: .doubleQuoted)))
  }

  @Test(arguments: [
    ("1e-4", 1e-4), ("0.0001", 0.0001), (".5", 0.5), ("-3", -3), ("5.", 5), ("+1.5E+2", 150),
    (".inf", Double.infinity), ("-.Inf", -Double.infinity), ("+.INF", Double.infinity),
  ])
  func doubles(text: String, value: Double) {
    #expect(ScalarValue.double(YAMLScalar(text)) == .value(value))
  }

  @Test func notDoubles() {
    for text in ["inf", "nan", "Infinity", "0x1p3", "1e", "e5", ".", "-", "1.2.3", "1,5"] {
      #expect(ScalarValue.double(YAMLScalar(text)) == .notANumber, "\(text)")
    }
    #expect(ScalarValue.double(YAMLScalar("1e999")) == .outOfRange)
    #expect(ScalarValue.double(YAMLScalar("1_000.5")) == .digitSeparators("1000.5"))
    if case .value(let x) = ScalarValue.double(YAMLScalar(".NaN")) { #expect(x.isNaN) } else { Issue.record(".NaN") }
  }

  @Test func booleans() {
    #expect(ScalarValue.bool(YAMLScalar("true")) == .value(true))
    #expect(ScalarValue.bool(YAMLScalar("false")) == .value(false))
    for word in ["yes", "Yes", "YES", "on", "On", "y", "Y", "True", "TRUE"] {
      #expect(ScalarValue.bool(YAMLScalar(word)) == .misspelt(true), "\(word)")
    }
    for word in ["no", "No", "NO", "off", "OFF", "n", "N", "False", "FALSE"] {
      #expect(ScalarValue.bool(YAMLScalar(word)) == .misspelt(false), "\(word)")
    }
    #expect(ScalarValue.bool(YAMLScalar("1")) == .notABoolean)
  }

  @Test func strings() {
    for text in ["relu", "4 GiB", "yes", "inf", "0x10", "True", "1_000"] {
      #expect(ScalarValue.isString(YAMLScalar(text)), "\(text)")
    }
    for text in ["", "~", "null", "true", "3", "-.inf", "1e5"] {
      #expect(!ScalarValue.isString(YAMLScalar(text)), "\(text)")
    }
  }
}
