import Foundation
import SafeTensors
import Testing

/// Whether `python3` can import safetensors and numpy, and if not, why; probed once.
///
/// The tests never install anything: without the packages they are skipped, and the skip
/// message says what the probe printed.
enum PythonSafeTensors {
  /// `nil` when the packages import; otherwise the reason the interop tests are skipped.
  static let unavailableReason: String? = {
    do {
      let (status, output) = try runPython(["-c", "import safetensors, numpy"])
      if status == 0 { return nil }
      let last = output.split(separator: "\n").last.map(String.init) ?? "exit status \(status)"
      return "python3 cannot import safetensors and numpy (\(last)); `pip install safetensors` to run it"
    } catch {
      return "python3 could not be run (\(error))"
    }
  }()

  /// Runs `python3` with `arguments`; returns its exit status and its stdout and stderr together.
  static func runPython(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}

@Suite(
  .enabled(
    if: PythonSafeTensors.unavailableReason == nil,
    Comment(rawValue: PythonSafeTensors.unavailableReason ?? "")))
struct SafeTensorsInteropTests {
  /// Swift writes, Python's `safetensors.numpy.load_file` reads: same dtypes, shapes, bytes, metadata.
  @Test func pythonReadsWhatSwiftWrites() throws {
    let dir = TempDir()
    let file = try sampleFile()
    let path = dir.file("swift.safetensors")
    try file.write(to: path)
    let script = dir.file("read.py")
    try Data(
      """
      import json, sys
      from safetensors import safe_open
      from safetensors.numpy import load_file
      tensors = load_file(sys.argv[1])
      with safe_open(sys.argv[1], framework="numpy") as f:
          metadata = f.metadata()
      out = {name: [a.dtype.str, list(a.shape), a.astype(a.dtype.newbyteorder("<")).tobytes().hex()]
             for name, a in tensors.items()}
      print(json.dumps({"tensors": out, "metadata": metadata}))
      """.utf8
    ).write(to: URL(fileURLWithPath: script))
    let (status, output) = try PythonSafeTensors.runPython([script, path])
    try #require(status == 0, "python failed: \(output)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    let tensors = try #require(json["tensors"] as? [String: [Any]])
    #expect(json["metadata"] as? [String: String] == file.metadata)
    let numpyNames: [SafeTensorDType: String] = [.f32: "<f4", .f64: "<f8", .i64: "<i8", .i32: "<i4", .u8: "|u1", .bool: "|b1"]
    #expect(Set(tensors.keys) == Set(file.names))
    for tensor in file.tensors {
      let entry = try #require(tensors[tensor.name])
      #expect(entry[0] as? String == numpyNames[tensor.dtype], "\(tensor.name)")
      #expect(entry[1] as? [Int] == tensor.shape, "\(tensor.name)")
      #expect(entry[2] as? String == tensor.bytes.map { String(format: "%02x", $0) }.joined(), "\(tensor.name)")
    }
  }

  /// Python's `save_file` writes, Swift reads; re-serialized, the bytes are Python's own.
  @Test func swiftReadsWhatPythonWrites() throws {
    let dir = TempDir()
    let path = dir.file("python.safetensors")
    let script = dir.file("write.py")
    try Data(
      """
      import sys
      import numpy as np
      from safetensors.numpy import save_file
      save_file({
          "layer.0.w": (np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5 - 1),
          "layer.0.b": np.array([1e-300, -2.5, np.inf], dtype=np.float64),
          "step": np.array(-(1 << 62), dtype=np.int64),
          "mask": np.array([[0, 1], [255, 7]], dtype=np.uint8),
          "perm": np.array([3, 0, -2, 2**31 - 1], dtype=np.int32),
          "flags": np.array([True, False, True]),
          "none": np.zeros((0, 3), dtype=np.float32),
      }, sys.argv[1], metadata={"source": "numpy ✓"})
      """.utf8
    ).write(to: URL(fileURLWithPath: script))
    let (status, output) = try PythonSafeTensors.runPython([script, path])
    try #require(status == 0, "python failed: \(output)")

    let file = try SafeTensorsFile.read(from: path)
    #expect(file.metadata == ["source": "numpy ✓"])
    #expect(Set(file.names) == ["layer.0.w", "layer.0.b", "step", "mask", "perm", "flags", "none"])
    #expect(try file.tensor(named: "layer.0.w").floats() == [-1, -0.5, 0, 0.5, 1, 1.5])
    #expect(try file.tensor(named: "layer.0.w").shape == [2, 3])
    #expect(try file.tensor(named: "layer.0.b").doubles() == [1e-300, -2.5, .infinity])
    #expect(try file.tensor(named: "step").int64s() == [-(1 << 62)])
    #expect(try file.tensor(named: "step").shape == [])
    #expect(try file.tensor(named: "mask").uint8s() == [0, 1, 255, 7])
    #expect(try file.tensor(named: "perm").int32s() == [3, 0, -2, .max])
    #expect(try file.tensor(named: "flags").bools() == [true, false, true])
    #expect(try file.tensor(named: "none").shape == [0, 3])

    // With one metadata key, Swift's layout is Python's: the same content gives the same bytes.
    let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    #expect(file.serialized() == original)
  }
}
