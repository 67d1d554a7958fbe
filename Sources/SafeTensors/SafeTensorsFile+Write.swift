#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
import SystemPackage

extension SafeTensorsFile {
  /// The whole file as bytes: header length, header, then the tensors' data.
  ///
  /// The output depends only on the content, so equal files give equal bytes: the header is
  /// compact JSON with `__metadata__` first (keys sorted by their UTF-8 bytes; left out when
  /// empty), then the tensors in order, each as `{"dtype":…,"shape":[…],"data_offsets":[b,e]}`,
  /// padded with spaces to a multiple of 8 bytes; the data follows in the same order.
  public func serialized() -> [UInt8] {
    let header = encodedHeader()
    var out: [UInt8] = []
    out.reserveCapacity(header.count + tensors.reduce(0) { $0 + $1.bytes.count })
    out += header
    for tensor in tensors { out += tensor.bytes }
    return out
  }

  /// Writes the file atomically: a reader sees the old file or the whole new one, never a part.
  ///
  /// The bytes go to a temporary file in the same directory (`.<name>.tmp-<pid>-<random>`),
  /// which is flushed with `fsync` and renamed over `path`; the directory is then synced so the
  /// rename itself survives a crash. On failure the temporary file is removed and any file
  /// already at `path` is left as it was.
  ///
  /// - Throws: `SafeTensorsError` with `unwritable`, naming the step that failed, or
  ///   `directoryNotSynced` when only the final directory sync failed (the file is in place).
  public func write(to path: String) throws {
    try Self.write(to: path, layouts: tensors.map(\.layout), metadata: metadata) { tensors[$0] }
  }

  /// Writes a file whose tensors are made one at a time, as the writer reaches them, so that
  /// no more than one tensor's bytes are held at once: a checkpoint of 27.7 M parameters with
  /// Adam's two moments is 330 MB as bytes, which `write(to:)` on a whole `SafeTensorsFile`
  /// would hold in memory beside the weights it copies.
  ///
  /// The header is written from `layouts` first; `tensor(i)` must then return a tensor with
  /// exactly the name, dtype and shape of `layouts[i]`. Atomic as `write(to:)`.
  ///
  /// - Throws: `SafeTensorsError`: `duplicateName` or `reservedName` for the layouts,
  ///   `negativeDimension` or `shapeOverflow` for a shape, `invalidEntry` when a made tensor
  ///   does not match its layout (nothing is left at `path` then), what `tensor` throws, and
  ///   the errors of `write(to:)`.
  public static func write(
    to path: String, layouts: [SafeTensorLayout], metadata: [String: String], tensor: (Int) throws -> SafeTensor
  ) throws {
    var seen = Set<String>()
    for layout in layouts {
      guard layout.name != reservedMetadataKey else { throw SafeTensorsError(path: path, .reservedName) }
      guard seen.insert(layout.name).inserted else { throw SafeTensorsError(path: path, .duplicateName(name: layout.name)) }
    }
    let header = try encodedHeader(layouts, metadata: metadata, path: path)
    let (directory, base) = splitPath(path)
    let temporary = FilePath(directory).appending(
      ".\(base).tmp-\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)).string
    func fail(_ step: String, _ reason: String = systemErrorText()) -> SafeTensorsError {
      SafeTensorsError(path: path, .unwritable(step: step, reason: reason))
    }

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw fail("creating \(temporary)") }
    var renamed = false
    defer { if !renamed { unlink(temporary) } }
    do {
      try writeAll(fd, header, onError: { fail("writing \(temporary)") })
      for (i, layout) in layouts.enumerated() {
        let made = try tensor(i)
        guard made.layout == layout else {
          throw SafeTensorsError(path: path, .invalidEntry(
            name: layout.name, reason: "the tensor made for it is \(made.name) \(made.dtype.rawValue) \(made.shape), "
              + "not the \(layout.dtype.rawValue) \(layout.shape) its header entry says"))
        }
        try writeAll(fd, made.bytes, onError: { fail("writing \(temporary)") })
      }
      guard fsync(fd) == 0 else { throw fail("syncing \(temporary)") }
    } catch {
      _ = close(fd)
      throw error
    }
    guard close(fd) == 0 else { throw fail("closing \(temporary)") }
    guard rename(temporary, path) == 0 else { throw fail("renaming \(temporary) to \(path)") }
    renamed = true
    try syncDirectory(directory) {
      SafeTensorsError(path: path, .directoryNotSynced(directory: directory, reason: systemErrorText()))
    }
  }

  /// The header length (8 bytes, little-endian) followed by the padded JSON header.
  func encodedHeader() -> [UInt8] {
    // The tensors exist, so their shapes were checked and this cannot throw.
    (try? Self.encodedHeader(tensors.map(\.layout), metadata: metadata, path: nil)) ?? []
  }

  /// The header of a file with these tensors and metadata.
  /// - Throws: `SafeTensorsError` with `negativeDimension` or `shapeOverflow` for a shape.
  static func encodedHeader(_ layouts: [SafeTensorLayout], metadata: [String: String], path: String?) throws -> [UInt8] {
    var json = "{"
    var first = true
    func key(_ name: String) {
      json += first ? "" : ","
      first = false
      json += jsonString(name) + ":"
    }
    if !metadata.isEmpty {
      key(reservedMetadataKey)
      let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
      json += "{" + pairs.map { jsonString($0.key) + ":" + jsonString($0.value) }.joined(separator: ",") + "}"
    }
    var offset = 0
    for layout in layouts {
      let count = try byteCount(name: layout.name, shape: layout.shape, dtype: layout.dtype, path: path)
      key(layout.name)
      let shape = layout.shape.map(String.init).joined(separator: ",")
      json += "{\"dtype\":\"\(layout.dtype.rawValue)\",\"shape\":[\(shape)],"
      json += "\"data_offsets\":[\(offset),\(offset + count)]}"
      offset += count
    }
    json += "}"
    var header = Array(json.utf8)
    header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
    let length = UInt64(header.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + header
  }
}

/// `"a\"b"`: a string as a JSON literal. Quotes, backslashes and control characters are
/// escaped; everything else is written as UTF-8, as Python's and Rust's writers do.
func jsonString(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case "\u{08}": out += "\\b"
    case "\u{0C}": out += "\\f"
    case _ where scalar.value < 0x20:
      let hex = String(scalar.value, radix: 16)
      out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out + "\""
}

/// Splits `a/b/c.safetensors` into (`a/b`, `c.safetensors`); a bare name is in `.`.
func splitPath(_ path: String) -> (directory: String, base: String) {
  let file = FilePath(path)
  let directory = file.removingLastComponent().string
  return (directory.isEmpty ? "." : directory, file.lastComponent?.string ?? "")
}

/// The current `errno` as text, e.g. "No such file or directory".
private func systemErrorText() -> String {
  String(cString: strerror(errno))
}

/// Writes every byte of `bytes` to `fd`, retrying short writes and `EINTR`.
private func writeAll(_ fd: Int32, _ bytes: [UInt8], onError: () -> SafeTensorsError) throws {
  try bytes.withUnsafeBytes { buffer in
    var done = 0
    while done < buffer.count, let base = buffer.baseAddress {
      let n = write(fd, base + done, buffer.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw onError()
      }
      done += n
    }
  }
}

/// Flushes a directory's entries (a rename in it) to disk.
private func syncDirectory(_ directory: String, onError: () -> SafeTensorsError) throws {
  let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  guard fd >= 0 else { throw onError() }
  defer { _ = close(fd) }
  // Some file systems refuse fsync on a directory (EINVAL); the data itself is already synced.
  guard fsync(fd) == 0 || errno == EINVAL else { throw onError() }
}
