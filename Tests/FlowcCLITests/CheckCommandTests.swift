import Foundation
import Testing

/// `flowc check` as a user runs it: output, exit codes, formats.
@Suite struct CheckCommandTests {
  @Test func validSpecExitsZeroAndPrintsTheEstimate() throws {
    let r = try FlowcBinary.run(["check", "specs/realnvp-moons.yaml"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("804,888 parameters"))
    #expect(r.stdout.contains("479 MFLOP per training step"))
  }

  /// The broken examples' rendered diagnostics, as the README and docs quote them,
  /// compared whole (`FLOWC_UPDATE_GOLDEN=1` rewrites examples/*.expected.txt).
  @Test(arguments: ["broken", "broken-typos"])
  func brokenExamplesPrintTheirExpectedDiagnostics(_ name: String) throws {
    let r = try FlowcBinary.run(["check", "--no-color", "examples/\(name).yaml"])
    #expect(r.status == 1)
    let golden = FlowcBinary.root.appendingPathComponent("examples/\(name).expected.txt")
    if ProcessInfo.processInfo.environment["FLOWC_UPDATE_GOLDEN"] == "1" {
      try Data((r.stdout + r.stderr).utf8).write(to: golden)
    }
    #expect(r.stdout + r.stderr == (try String(contentsOf: golden, encoding: .utf8)))
  }

  @Test func emitIRShowsBothSidesOfEveryMask() throws {
    let r = try FlowcBinary.run(["check", "--emit", "ir", "specs/realnvp-moons.yaml"])
    #expect(r.status == 0)
    #expect(r.stdout.components(separatedBy: "affine_coupling").count - 1 == 6)
    #expect(r.stdout.contains("keeps 1 · transforms 0"))
    #expect(r.stdout.contains("keeps 0 · transforms 1 (flip of %0)"))
  }

  @Test func emitJSONAndDot() throws {
    let json = try FlowcBinary.run(["check", "--emit", "json", "specs/realnvp-moons.yaml"])
    #expect(json.status == 0)
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    #expect((object?["totals"] as? [String: Any])?["parameters"] as? Int == 804_888)
    let dot = try FlowcBinary.run(["check", "--emit", "dot", "specs/realnvp-moons.yaml"])
    #expect(dot.status == 0 && dot.stdout.hasPrefix("digraph"))
  }

  @Test func invalidSpecExitsOneWithLocatedDiagnostics() throws {
    let path = try FlowcBinary.temporaryFile("bad.yaml", Array("""
      dim: 2
      prior: standard_normal
      templates: {net: {hiden: [8]}}
      flow:
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
      data: {source: moons}
      train: {steps: 10}
      """.utf8))
    let r = try FlowcBinary.run(["check", path])
    #expect(r.status == 1)
    #expect(r.stderr.contains("\(path):3:19: error: unknown key 'hiden' in a net"))
    #expect(r.stderr.contains("help: did you mean 'hidden'?"))
    #expect(r.stderr.contains("   3 | templates: {net: {hiden: [8]}}\n     |                   ^~~~~"))
  }

  @Test func diagnosticsAsJSON() throws {
    let path = try FlowcBinary.temporaryFile("bad.yaml", Array("dim: 2\nprior: standard_normall\n".utf8))
    let r = try FlowcBinary.run(["check", "--format", "json", path])
    #expect(r.status == 1)
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let items = try #require(doc["diagnostics"] as? [[String: Any]])
    let unknown = try #require(items.first { $0["id"] as? String == "unknown-value" })
    #expect(unknown["line"] as? Int == 2 && unknown["column"] as? Int == 8)
    #expect((doc["errors"] as? Int ?? 0) >= 1)
  }

  @Test func warningsAsErrors() throws {
    let spec = """
      dim: 2
      prior: standard_normal
      templates: {net: {hidden: [8]}}
      flow:
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: [1, 0], scale: net, shift: net}
        - {kind: affine_coupling, keep: flip, scale: net, shift: net}
      data: {source: moons}
      train: {steps: 10}
      """
    let path = try FlowcBinary.temporaryFile("warn.yaml", Array(spec.utf8))
    let plain = try FlowcBinary.run(["check", path])
    #expect(plain.status == 0)
    #expect(plain.stderr.contains("warning: coupling %1 has the same mask as coupling %0 just before it [same-mask]"))
    #expect(try FlowcBinary.run(["check", "--warnings-as-errors", path]).status == 1)
  }

  @Test func errorLimitSummarisesTheRest() throws {
    // 200 layers, each with a mask of the wrong length: 200 errors on 200 lines.
    var spec = "dim: 2\nprior: standard_normal\ntemplates: {net: {hidden: [4]}}\nflow:\n"
    for _ in 0..<200 { spec += "  - {kind: affine_coupling, keep: [1, 0, 1], scale: net, shift: net}\n" }
    spec += "data: {source: moons}\ntrain: {steps: 10}\n"
    let path = try FlowcBinary.temporaryFile("many.yaml", Array(spec.utf8))
    let r = try FlowcBinary.run(["check", "--error-limit", "10", path])
    #expect(r.status == 1)
    #expect(r.stderr.components(separatedBy: "[mask-size]").count - 1 == 10)
    #expect(r.stderr.contains("190 more diagnostics not shown"))
    let all = try FlowcBinary.run(["check", "--error-limit", "0", path])
    #expect(all.stderr.components(separatedBy: "[mask-size]").count - 1 == 200)
  }

  @Test func ioAndUsageErrorsExitTwo() throws {
    let missing = try FlowcBinary.run(["check", "no/such/spec.yaml"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("no such file 'no/such/spec.yaml'"))
    #expect(try FlowcBinary.run(["check", "--emit", "svg", "specs/realnvp-moons.yaml"]).status == 2)
    #expect(try FlowcBinary.run(["check"]).status == 2)
    #expect(try FlowcBinary.run(["check", "--memory-limit", "lots", "specs/realnvp-moons.yaml"]).status == 2)
    #expect(try FlowcBinary.run(["check", "Sources"]).status == 2)
  }

  @Test func memoryLimitOption() throws {
    let r = try FlowcBinary.run(["check", "--memory-limit", "1 MiB", "specs/realnvp-moons.yaml"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("[resource-budget]"))
    #expect(try FlowcBinary.run(["check", "--memory-limit", "1 GiB", "specs/realnvp-moons.yaml"]).status == 0)
  }

  @Test func helpListsTheOptions() throws {
    let r = try FlowcBinary.run(["check", "--help"])
    #expect(r.status == 0)
    for option in ["--emit", "--format", "--warnings-as-errors", "--error-limit", "--memory-limit"] {
      #expect(r.stdout.contains(option))
    }
  }
}

/// `flowc check --numeric`: every layer kind's inverse and log-det against brute force.
@Suite struct NumericCheckTests {
  @Test func everyLayerKindPasses() throws {
    let r = try FlowcBinary.run(["check", "--numeric", "examples/03-every-layer.yaml"])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    for kind in ["actnorm", "additive_coupling", "affine_coupling", "permutation", "batch_norm", "invertible_linear",
                 "elementwise", "diagonal_scaling", "whole flow"] {
      #expect(r.stdout.contains(kind), "no row for \(kind)")
    }
    #expect(r.stdout.contains("numeric check passed"))
  }

  @Test func failsAboveTheTolerance() throws {
    let r = try FlowcBinary.run(["check", "--numeric", "--log-det-tolerance", "1e-30", "specs/realnvp-moons.yaml"])
    #expect(r.status == 1)
    #expect(r.stdout.contains("FAILED"))
  }
}
