import SafeTensors
import Testing

/// Programmer errors while building or using files in memory: thrown, never trapped.
@Suite struct SafeTensorsValueErrorTests {
  @Test func duplicateNamesAreRefused() throws {
    let a = try SafeTensor(name: "w", shape: [1], values: [Float(1)])
    let b = try SafeTensor(name: "w", shape: [2], values: [Float(1), 2])
    let e = expectSafeTensorsError("safetensors-duplicate-name") { _ = try SafeTensorsFile(tensors: [a, b]) }
    #expect(e?.description == "two tensors are named 'w'; tensor names must be unique")
    var file = try SafeTensorsFile(tensors: [a])
    expectSafeTensorsError("safetensors-duplicate-name") { try file.append(b) }
    #expect(file.names == ["w"])
  }

  @Test func valueCountMustMatchTheShape() {
    let e = expectSafeTensorsError("safetensors-size-mismatch") {
      _ = try SafeTensor(name: "w", shape: [2, 3], values: [Float](repeating: 0, count: 5))
    }
    #expect(e?.description == "tensor 'w': shape [2, 3] of F32 needs 24 bytes but 20 are given")
    #expect(e?.path == nil)
    expectSafeTensorsError("safetensors-size-mismatch") {
      _ = try SafeTensor(name: "raw", dtype: .f64, shape: [1], bytes: [1, 2, 3, 4])
    }
  }

  @Test func badShapesAreRefused() {
    let e = expectSafeTensorsError("safetensors-negative-dimension") {
      _ = try SafeTensor(name: "w", shape: [2, -1], values: [Float]())
    }
    #expect(e?.description == "tensor 'w': shape [2, -1] has a negative dimension")
    expectSafeTensorsError("safetensors-shape-overflow") {
      _ = try SafeTensor(name: "w", shape: [1 << 32, 1 << 32], values: [Float]())
    }
    // A zero dimension does not excuse the others from fitting.
    expectSafeTensorsError("safetensors-shape-overflow") {
      _ = try SafeTensor(name: "w", shape: [0, 1 << 40, 1 << 40], values: [Float]())
    }
  }

  @Test func metadataKeyIsNotATensorName() {
    let e = expectSafeTensorsError("safetensors-reserved-name") {
      _ = try SafeTensor(name: "__metadata__", shape: [1], values: [Float(1)])
    }
    #expect(e?.description.contains("reserves that key") == true)
  }

  @Test func accessorsCheckTheDType() throws {
    let t = try SafeTensor(name: "w", shape: [1], values: [Double(1)])
    let e = expectSafeTensorsError("safetensors-wrong-dtype") { _ = try t.floats() }
    #expect(e?.description == "tensor 'w' is F64, not F32")
    expectSafeTensorsError("safetensors-wrong-dtype") { _ = try t.int64s() }
    expectSafeTensorsError("safetensors-wrong-dtype") { _ = try t.uint8s() }
    #expect(try t.doubles() == [1])
  }

  @Test func lookupByName() throws {
    let file = try sampleFile()
    #expect(file["bias"]?.dtype == .f64)
    #expect(file["nope"] == nil)
    let e = expectSafeTensorsError("safetensors-missing-tensor") { _ = try file.tensor(named: "nope") }
    #expect(e?.description.hasPrefix("no tensor is named 'nope'; it holds 'weights', 'bias', ") == true)
  }
}
