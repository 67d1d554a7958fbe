import SystemPackage

extension SafeTensorsFile {
  /// The default limit on the size of a file `read(from:maxFileBytes:)` accepts: 8 GiB.
  public static let defaultMaxFileBytes = 8 << 30

  /// Reads and checks a safetensors file.
  ///
  /// The file is read in three bounded steps: its size (from `fstat`, against
  /// `maxFileBytes`), the 8-byte header length (at most 100,000,000 and at most what the file
  /// holds), then the header, which is parsed and fully checked (see `validateHeader`) before
  /// any tensor storage is allocated. Only then is each tensor read into its own array
  /// (`SafeTensorsReader`, which reads them one at a time on demand instead). Tensors come
  /// back in header order.
  ///
  /// - Parameters:
  ///   - path: the file to read.
  ///   - maxFileBytes: the largest file accepted.
  ///   - including: which tensors to read, by name (all when nil); the others' bytes are
  ///     not read at all (a model loaded for evaluation skips a checkpoint's optimizer
  ///     moments, two thirds of it), though the whole header is still checked.
  /// - Throws: `SafeTensorsError` naming `path`; see `SafeTensorsError.Problem` for the kinds.
  public static func read(
    from path: String, maxFileBytes: Int = defaultMaxFileBytes, including: ((String) -> Bool)? = nil
  ) throws -> SafeTensorsFile {
    let reader = try SafeTensorsReader(path: path, maxFileBytes: maxFileBytes)
    var tensors: [SafeTensor] = []
    for i in reader.layouts.indices where including?(reader.layouts[i].name) ?? true {
      tensors.append(try reader.tensor(at: i))
    }
    // Names were checked unique by `validateHeader`, and `__metadata__` is never a tensor.
    return try SafeTensorsFile(tensors: tensors, metadata: reader.metadata)
  }

  /// Decodes and checks the bytes of a safetensors file held in memory.
  ///
  /// - Parameters:
  ///   - bytes: the whole file.
  ///   - source: the name messages give the bytes, e.g. a file name or URL.
  /// - Throws: `SafeTensorsError` naming `source`, as `read(from:maxFileBytes:)` does.
  public init(decoding bytes: [UInt8], source: String = "<memory>") throws {
    self = try Self.decode(size: bytes.count, path: source) { offset, count in
      let start = min(offset, bytes.count)
      return Array(bytes[start..<start + min(count, bytes.count - start)])
    }
  }

  /// Decodes the bytes held in memory (`read` returns `count` bytes from `offset`, or
  /// fewer when they end first).
  private static func decode(size: Int, path: String, read: (_ offset: Int, _ count: Int) throws -> [UInt8]) throws -> SafeTensorsFile {
    let (header, dataStart) = try readHeader(size: size, path: path, read: read)
    var tensors: [SafeTensor] = []
    tensors.reserveCapacity(header.entries.count)
    for entry in header.entries {
      tensors.append(try readTensor(entry, dataStart: dataStart, size: size, path: path, read: read))
    }
    return try SafeTensorsFile(tensors: tensors, metadata: header.metadata)
  }

  /// Reads and checks the header of a file or buffer of `size` bytes: the 8-byte length
  /// (at most 100,000,000 and at most what the source holds), then the header itself,
  /// parsed and fully checked (`validateHeader`) before any tensor storage is allocated.
  /// Returns it and where the data buffer starts.
  static func readHeader(
    size: Int, path: String, read: (_ offset: Int, _ count: Int) throws -> [UInt8]
  ) throws -> (SafeTensorsHeader, dataStart: Int) {
    guard size >= 8 else { throw SafeTensorsError(path: path, .tooShort(bytes: size)) }
    let lengthBytes = try read(0, 8)
    guard lengthBytes.count == 8 else { throw SafeTensorsError(path: path, .tooShort(bytes: lengthBytes.count)) }
    let declared = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let available = size - 8
    guard declared <= UInt64(maxHeaderBytes), declared <= UInt64(available) else {
      throw SafeTensorsError(path: path, .headerLength(declared: declared, available: available, limit: maxHeaderBytes))
    }
    let headerLength = Int(declared)
    let headerBytes = try read(8, headerLength)
    guard headerBytes.count == headerLength else {
      throw SafeTensorsError(
        path: path, .headerLength(declared: declared, available: headerBytes.count, limit: maxHeaderBytes))
    }
    let dataStart = 8 + headerLength
    return (try validateHeader(headerBytes, bufferSize: size - dataStart, path: path), dataStart)
  }

  /// Reads the bytes of one checked header entry into a tensor of its own.
  static func readTensor(
    _ entry: SafeTensorsHeader.Entry, dataStart: Int, size: Int, path: String,
    read: (_ offset: Int, _ count: Int) throws -> [UInt8]
  ) throws -> SafeTensor {
    let bytes = try read(dataStart + entry.range.lowerBound, entry.range.count)
    guard bytes.count == entry.range.count else {
      // The file shrank after its size was taken.
      throw SafeTensorsError(
        path: path, .truncated(declaredBytes: size - dataStart, actualBytes: entry.range.lowerBound + bytes.count))
    }
    return SafeTensor(unchecked: entry.name, dtype: entry.dtype, shape: entry.shape, bytes: bytes)
  }
}

/// A safetensors file opened with its header read and checked, whose tensors are read one
/// at a time, when asked for: loading a model from it holds one tensor's bytes at a time
/// instead of the whole file (for Real NVP on Fashion-MNIST, a 333 MB checkpoint with its
/// Adam moments). The file stays open until the reader is released.
public final class SafeTensorsReader {
  /// The tensors' names, dtypes and shapes, in header order.
  public let layouts: [SafeTensorLayout]
  /// The header's `__metadata__` strings.
  public let metadata: [String: String]
  private let file: OpenFile
  private let header: SafeTensorsHeader
  private let dataStart: Int

  /// Opens `path`: its size (from `fstat`, against `maxFileBytes`) and its header, fully
  /// checked, as `SafeTensorsFile.read(from:)` does; no tensor is read yet.
  /// - Throws: `SafeTensorsError` naming `path`.
  public init(path: String, maxFileBytes: Int = SafeTensorsFile.defaultMaxFileBytes) throws {
    let file = try OpenFile(path: path)
    do {
      guard file.size <= maxFileBytes else {
        throw SafeTensorsError(path: path, .fileTooLarge(bytes: file.size, limit: maxFileBytes))
      }
      (header, dataStart) = try SafeTensorsFile.readHeader(size: file.size, path: path) { offset, count in
        try file.read(offset: offset, count: count)
      }
    } catch {
      file.release()
      throw error
    }
    self.file = file
    layouts = header.entries.map { SafeTensorLayout(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
    metadata = header.metadata
  }

  deinit { file.release() }

  /// The tensor `layouts[index]`, read from the file now.
  /// - Throws: `SafeTensorsError` naming the file (an I/O error, or a file that shrank).
  public func tensor(at index: Int) throws -> SafeTensor {
    try SafeTensorsFile.readTensor(header.entries[index], dataStart: dataStart, size: file.size, path: file.path) { offset, count in
      try file.read(offset: offset, count: count)
    }
  }
}

/// A file open for reading, with its size taken once.
private struct OpenFile {
  let path: String
  let descriptor: FileDescriptor
  let size: Int

  /// Opens `path` and takes its size, refusing anything but a regular file.
  ///
  /// The file is opened without blocking, so a FIFO is refused by the type check instead of
  /// waiting in `open` for a writer.
  ///
  /// - Throws: `SafeTensorsError` with `unreadable`.
  init(path: String) throws {
    self.path = path
    let fd: FileDescriptor
    do {
      fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
    } catch {
      throw SafeTensorsError(path: path, .unreadable(reason: "\(error)"))
    }
    let status: Stat
    do {
      status = try fd.stat()
    } catch {
      try? fd.close()
      throw SafeTensorsError(path: path, .unreadable(reason: "\(error)"))
    }
    guard status.type == .regular else {
      try? fd.close()
      throw SafeTensorsError(path: path, .unreadable(reason: "it is not a regular file"))
    }
    self.descriptor = fd
    self.size = Int(status.size)
  }

  /// Reads up to `count` bytes at `offset`; fewer only when the file ends first.
  ///
  /// - Throws: `SafeTensorsError` with `unreadable` on an I/O error.
  func read(offset: Int, count: Int) throws -> [UInt8] {
    var failure: (any Error)?
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      var done = 0
      while done < count {
        let n: Int
        do {
          n = try descriptor.read(
            fromAbsoluteOffset: Int64(offset + done),
            into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[done...])))
        } catch {
          failure = error
          break
        }
        if n == 0 { break }
        done += n
      }
      initialized = done
    }
    if let failure { throw SafeTensorsError(path: path, .unreadable(reason: "\(failure)")) }
    return bytes
  }

  /// Closes the descriptor.
  func release() {
    try? descriptor.close()
  }
}
