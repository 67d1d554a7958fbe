#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

/// The memory bounds every reader works within, so a corrupt or hostile file is an error
/// and never an out-of-memory kill.
public struct ReadLimits: Sendable, Equatable {
  /// The largest file accepted on disk, in bytes.
  public var maxFileBytes: Int
  /// The largest size a gzipped file may inflate to, and the largest payload a header may
  /// declare, in bytes.
  public var maxDataBytes: Int

  /// Creates limits; the defaults (2 GiB each) hold MNIST-sized sets forty times over.
  public init(maxFileBytes: Int = 2 << 30, maxDataBytes: Int = 2 << 30) {
    self.maxFileBytes = maxFileBytes
    self.maxDataBytes = maxDataBytes
  }

  /// The default limits.
  public static let standard = ReadLimits()
}

/// Reads a whole file, inflating it first when it starts with the gzip magic bytes (the
/// name does not matter: `train.csv` may be gzipped, `x.gz` may be plain).
///
/// The file size is taken from `fstat` and checked against `limits.maxFileBytes` before the
/// buffer is allocated; inflation is capped at `limits.maxDataBytes`.
///
/// - Returns: the (decompressed) contents.
/// - Throws: `DataError` with `unreadable`, `fileTooLarge`, `decompressedTooLarge` or
///   `corruptGzip`.
public func readFileBytes(_ path: String, limits: ReadLimits = .standard) throws -> [UInt8] {
  let raw = try readRawBytes(path, limit: limits.maxFileBytes)
  return isGzip(raw) ? try gunzip(raw, limit: limits.maxDataBytes, path: path) : raw
}

/// Reads the file's bytes as stored, after checking its size against `limit`.
func readRawBytes(_ path: String, limit: Int) throws -> [UInt8] {
  let fd = open(path, O_RDONLY)
  guard fd >= 0 else { throw DataError(path: path, .unreadable(reason: systemError())) }
  defer { close(fd) }
  var info = stat()
  guard fstat(fd, &info) == 0 else { throw DataError(path: path, .unreadable(reason: systemError())) }
  guard (info.st_mode & S_IFMT) != S_IFDIR else {
    throw DataError(path: path, .unreadable(reason: "it is a directory"))
  }
  let size = Int(info.st_size)
  guard size <= limit else { throw DataError(path: path, .fileTooLarge(bytes: size, limit: limit)) }

  var failure: String?
  let bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
    var done = 0
    while done < size {
      let n = read(fd, buf.baseAddress! + done, size - done)
      if n < 0 {
        if errno == EINTR { continue }
        failure = systemError()
        break
      }
      if n == 0 { break }  // the file shrank while we read it; keep what is there
      done += n
    }
    initialized = done
  }
  if let failure { throw DataError(path: path, .unreadable(reason: failure)) }
  return bytes
}

/// The current `errno` as text, e.g. "No such file or directory".
private func systemError() -> String {
  String(cString: strerror(errno))
}

/// Writes `bytes` to `path`, replacing the file (tests use it for fixtures).
///
/// - Throws: `DataError` with `unreadable` when the file cannot be created or written.
public func writeFileBytes(_ bytes: [UInt8], to path: String) throws {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  guard fd >= 0 else { throw DataError(path: path, .unreadable(reason: systemError())) }
  defer { close(fd) }
  try bytes.withUnsafeBytes { buf in
    var done = 0
    while done < buf.count {
      let n = write(fd, buf.baseAddress! + done, buf.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        throw DataError(path: path, .unreadable(reason: systemError()))
      }
      done += n
    }
  }
}
