/// Everything that can go wrong while building, writing or reading a safetensors file.
///
/// One type for the whole module, so a caller needs one `catch`. The message starts with the
/// file (when there is one), says what is wrong with the numbers that show it, and where there
/// is something to do, what:
///
///     run/best.safetensors: truncated: the header says the data is 3,219,552 bytes but the file holds 1,024 after the header; the checkpoint was not written completely
///     tensor 'w': shape [2, 3] of F32 needs 24 bytes but 20 were given
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file the problem is in; `nil` for problems found while building tensors in memory.
  public let path: String?
  /// What went wrong, with the numbers the message needs; tests and callers match on it.
  public let problem: Problem

  /// Creates an error about `path` (or about values in memory when `path` is `nil`).
  public init(path: String?, _ problem: Problem) {
    self.path = path
    self.problem = problem
  }

  /// The full message: `path: what is wrong; what to do`.
  public var description: String {
    if let path { return "\(path): \(problem.message)" }
    return problem.message
  }

  /// A stable kebab-case identifier (e.g. `safetensors-truncated`) for diagnostics and tests.
  public var id: String { problem.id }
}

extension SafeTensorsError {
  /// The kinds of problem, each carrying what its message needs.
  public enum Problem: Equatable, Sendable {
    // MARK: - Reading: the file as a whole

    /// The file could not be opened or read; `reason` is the system's `strerror` text.
    case unreadable(reason: String)
    /// The file is larger than the reader's limit.
    case fileTooLarge(bytes: Int, limit: Int)
    /// The file is shorter than the 8-byte header length (0 bytes: empty).
    case tooShort(bytes: Int)
    /// The 8-byte header length is over the 100 MB cap or over what the file holds after it.
    case headerLength(declared: UInt64, available: Int, limit: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8
    /// The header is not well-formed JSON; `offset` is the byte in the header where parsing failed.
    case malformedJSON(reason: String, offset: Int)
    /// The header is JSON but not of the safetensors shape; `reason` says which part.
    case invalidHeader(reason: String)
    /// The data buffer is shorter than the tensors' offsets say.
    case truncated(declaredBytes: Int, actualBytes: Int)
    /// The data buffer is longer than the tensors' offsets say.
    case trailingBytes(declaredBytes: Int, actualBytes: Int)
    /// Two tensors' byte ranges overlap.
    case overlap(first: String, firstRange: Range<Int>, second: String, secondRange: Range<Int>)
    /// No tensor covers `range` of the data buffer.
    case gap(range: Range<Int>, after: String?)

    // MARK: - Reading or building: one tensor

    /// A tensor entry (in a header) whose fields are missing or of the wrong type.
    case invalidEntry(name: String, reason: String)
    /// The dtype is not one of the supported names.
    case unknownDType(name: String, dtype: String)
    /// A shape entry is negative.
    case negativeDimension(name: String, shape: [Int])
    /// A shape whose element or byte count does not fit in an `Int`.
    case shapeOverflow(name: String, shape: [String], dtype: SafeTensorDType)
    /// The shape and dtype call for `expectedBytes` but the tensor has `actualBytes`.
    case sizeMismatch(name: String, shape: [Int], dtype: SafeTensorDType, expectedBytes: Int, actualBytes: Int)
    /// Two tensors share a name.
    case duplicateName(name: String)
    /// A tensor named `__metadata__`, the key the format reserves for the metadata.
    case reservedName

    // MARK: - Using a file in memory

    /// No tensor has this name.
    case missingTensor(name: String, available: [String])
    /// A typed accessor was asked for a tensor of another dtype.
    case wrongDType(name: String, dtype: SafeTensorDType, requested: SafeTensorDType)

    // MARK: - Writing

    /// The file (or its temporary sibling, or the directory) could not be written or synced.
    case unwritable(step: String, reason: String)
    /// The file was written and renamed into place, but its directory could not be synced.
    case directoryNotSynced(directory: String, reason: String)

    /// A stable kebab-case identifier for this kind of problem.
    public var id: String {
      switch self {
      case .unreadable: "safetensors-unreadable"
      case .fileTooLarge: "safetensors-file-too-large"
      case .tooShort: "safetensors-too-short"
      case .headerLength: "safetensors-header-length"
      case .headerNotUTF8: "safetensors-header-not-utf8"
      case .malformedJSON: "safetensors-malformed-json"
      case .invalidHeader: "safetensors-invalid-header"
      case .truncated: "safetensors-truncated"
      case .trailingBytes: "safetensors-trailing-bytes"
      case .overlap: "safetensors-overlap"
      case .gap: "safetensors-gap"
      case .invalidEntry: "safetensors-invalid-entry"
      case .unknownDType: "safetensors-unknown-dtype"
      case .negativeDimension: "safetensors-negative-dimension"
      case .shapeOverflow: "safetensors-shape-overflow"
      case .sizeMismatch: "safetensors-size-mismatch"
      case .duplicateName: "safetensors-duplicate-name"
      case .reservedName: "safetensors-reserved-name"
      case .missingTensor: "safetensors-missing-tensor"
      case .wrongDType: "safetensors-wrong-dtype"
      case .unwritable: "safetensors-unwritable"
      case .directoryNotSynced: "safetensors-directory-not-synced"
      }
    }

    /// The message after `path: `, lower case, no final period.
    public var message: String {
      switch self {
      case .unreadable(let reason):
        return "cannot read the file: \(reason)"
      case .fileTooLarge(let bytes, let limit):
        return "the file is \(grouped(bytes)) bytes, more than the reader's limit of \(grouped(limit)) bytes; "
          + "raise the limit if the file is genuine"
      case .tooShort(0):
        return "the file is empty; the checkpoint was not written completely"
      case .tooShort(let bytes):
        return "the file is \(grouped(bytes)) \(bytes == 1 ? "byte" : "bytes"), too short for the 8-byte header length; "
          + "the checkpoint was not written completely"
      case .headerLength(let declared, let available, let limit):
        let why =
          declared > UInt64(limit)
          ? "more than the format's limit of \(grouped(limit))"
          : "but the file holds only \(grouped(available)) after the length"
        return "the first 8 bytes give a header length of \(grouped(declared)) bytes, \(why); "
          + "this is not a safetensors file, or it was not written completely"
      case .headerNotUTF8:
        return "the header is not valid UTF-8; this is not a safetensors file, or it is corrupt"
      case .malformedJSON(let reason, let offset):
        return "the header is not valid JSON: \(reason) at byte \(grouped(offset)) of the header; "
          + "this is not a safetensors file, or it is corrupt"
      case .invalidHeader(let reason):
        return "invalid header: \(reason)"
      case .truncated(let declared, let actual):
        return "truncated: the header says the data is \(grouped(declared)) bytes "
          + "but the file holds \(grouped(actual)) after the header; the checkpoint was not written completely"
      case .trailingBytes(let declared, let actual):
        return "the header says the data is \(grouped(declared)) bytes but the file holds \(grouped(actual)) "
          + "after the header; the header or the file is corrupt"
      case .overlap(let first, let firstRange, let second, let secondRange):
        return "tensors \(quoted(first)) (bytes \(rangeText(firstRange))) and \(quoted(second)) "
          + "(bytes \(rangeText(secondRange))) overlap; each byte of the data must belong to one tensor"
      case .gap(let range, let after):
        let place = after.map { " (after \(quoted($0)))" } ?? " (before the first tensor)"
        return "no tensor covers bytes \(rangeText(range)) of the data\(place); "
          + "the data must be covered with no gaps"
      case .invalidEntry(let name, let reason):
        return "tensor \(quoted(name)): \(reason)"
      case .unknownDType(let name, let dtype):
        return "tensor \(quoted(name)): unknown dtype \(quoted(dtype)); supported: "
          + SafeTensorDType.allCases.map(\.rawValue).joined(separator: ", ")
      case .negativeDimension(let name, let shape):
        return "tensor \(quoted(name)): shape \(shapeText(shape)) has a negative dimension"
      case .shapeOverflow(let name, let shape, let dtype):
        return "tensor \(quoted(name)): shape [\(shape.joined(separator: ", "))] of \(dtype.rawValue) "
          + "is too large (its byte count overflows a 64-bit integer)"
      case .sizeMismatch(let name, let shape, let dtype, let expected, let actual):
        return "tensor \(quoted(name)): shape \(shapeText(shape)) of \(dtype.rawValue) needs \(grouped(expected)) "
          + "\(expected == 1 ? "byte" : "bytes") but \(grouped(actual)) \(actual == 1 ? "is" : "are") given"
      case .duplicateName(let name):
        return "two tensors are named \(quoted(name)); tensor names must be unique"
      case .reservedName:
        return "a tensor cannot be named '__metadata__': the format reserves that key for the metadata"
      case .missingTensor(let name, let available):
        let list = available.isEmpty ? "it holds no tensors" : "it holds " + available.map(quoted).joined(separator: ", ")
        return "no tensor is named \(quoted(name)); \(list)"
      case .wrongDType(let name, let dtype, let requested):
        return "tensor \(quoted(name)) is \(dtype.rawValue), not \(requested.rawValue)"
      case .unwritable(let step, let reason):
        return "cannot write the file (\(step)): \(reason); any previous file at this path is unchanged"
      case .directoryNotSynced(let directory, let reason):
        return "the file was written, but syncing its directory \(directory) failed: \(reason); "
          + "the new file may not survive a crash"
      }
    }
  }
}

// MARK: - Message helpers

/// `3,219,552`: a count with thousands separators, as messages print it.
func grouped<T: BinaryInteger>(_ value: T) -> String {
  let digits = String(value.magnitude)
  var out = ""
  for (i, c) in digits.enumerated() {
    if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(c)
  }
  return value < 0 ? "-" + out : out
}

/// `[2, 3]`: a shape as messages print it.
func shapeText(_ shape: [Int]) -> String {
  "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

/// `0..<24`: a byte range as messages print it.
func rangeText(_ range: Range<Int>) -> String {
  "\(grouped(range.lowerBound))..<\(grouped(range.upperBound))"
}

/// `'w'`: a tensor or key name in quotes, with control characters escaped and long names cut,
/// so a hostile header cannot flood or garble the terminal.
func quoted(_ name: String) -> String {
  var out = "'"
  for (i, scalar) in name.unicodeScalars.enumerated() {
    if i == 80 {
      out += "…"
      break
    }
    if scalar.value < 0x20 || scalar.value == 0x7F {
      out += scalar.escaped(asASCII: true)
    } else {
      out.unicodeScalars.append(scalar)
    }
  }
  return out + "'"
}
