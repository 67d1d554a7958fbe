import SystemPackage

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

/// Reads the file's bytes as stored, after checking its type and its size against `limit`.
///
/// The file is opened without blocking and checked with `fstat` before a byte is read:
/// only a regular file has a size to check, and anything else could stall or never end
/// (opening a FIFO waits for a writer, /dev/zero has no end).
func readRawBytes(_ path: String, limit: Int) throws -> [UInt8] {
  let descriptor: FileDescriptor
  let status: Stat
  do {
    descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
  } catch {
    throw DataError(path: path, .unreadable(reason: "\(error)"))
  }
  defer { try? descriptor.close() }
  do { status = try descriptor.stat() } catch { throw DataError(path: path, .unreadable(reason: "\(error)")) }
  guard status.type != .directory else { throw DataError(path: path, .unreadable(reason: "it is a directory")) }
  guard status.type == .regular else { throw DataError(path: path, .unreadable(reason: "it is not a regular file")) }
  let size = Int(status.size)
  guard size <= limit else { throw DataError(path: path, .fileTooLarge(bytes: size, limit: limit)) }

  var failure: (any Error)?
  let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
    var done = 0
    while done < size {
      let n: Int
      do {
        n = try descriptor.read(into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[done...])))
      } catch {
        failure = error
        break
      }
      if n == 0 { break }  // the file shrank while we read it; keep what is there
      done += n
    }
    initialized = done
  }
  if let failure { throw DataError(path: path, .unreadable(reason: "\(failure)")) }
  return bytes
}

/// Writes `bytes` to `path`, replacing the file (tests use it for fixtures).
///
/// - Throws: `DataError` with `unwritable` when the file cannot be created or written.
public func writeFileBytes(_ bytes: [UInt8], to path: String) throws {
  let writer = try OutputFile(path)
  try writer.write(bytes)
  try writer.finish()
}
