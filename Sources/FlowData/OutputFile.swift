#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
import SystemPackage

/// An output file written in pieces and put in place at the end: the bytes go to
/// `.<name>.tmp-<pid>-<random>` beside `path`, which `finish()` syncs and renames over
/// `path`. A failure (a full disk) or a kill never leaves a half-written file under the
/// final name, and any previous file there is kept until the new one is complete.
public final class OutputFile {
  /// The file being made.
  public let path: String
  private let temporary: String
  private let descriptor: FileDescriptor
  private var finished = false

  /// Creates the temporary file.
  /// - Throws: `DataError` (`unwritable`) naming `path`.
  public init(_ path: String) throws {
    let file = FilePath(path)
    let directory = file.removingLastComponent()
    let name = file.lastComponent?.string ?? path
    let temporary = (directory.isEmpty ? FilePath(".") : directory)
      .appending(".\(name).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))").string
    do {
      descriptor = try FileDescriptor.open(
        FilePath(temporary), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
        permissions: [.ownerReadWrite, .groupRead, .otherRead])
    } catch {
      throw DataError(path: path, .unwritable(reason: errorText(error)))
    }
    self.path = path
    self.temporary = temporary
  }

  /// Appends `bytes`.
  /// - Throws: `DataError` (`unwritable`); the temporary file is removed.
  public func write(_ bytes: [UInt8]) throws {
    do {
      _ = try descriptor.writeAll(bytes)
    } catch {
      throw DataError(path: path, .unwritable(reason: errorText(error)))
    }
  }

  /// Syncs the file and renames it to `path`.
  /// - Throws: `DataError` (`unwritable`).
  public func finish() throws {
    finished = true
    do {
      guard fsync(descriptor.rawValue) == 0 else { throw Errno(rawValue: errno) }
      try descriptor.close()
    } catch {
      unlink(temporary)
      throw DataError(path: path, .unwritable(reason: errorText(error)))
    }
    guard rename(temporary, path) == 0 else {
      let e = errno
      unlink(temporary)
      throw DataError(path: path, .unwritable(reason: errorText(Errno(rawValue: e))))
    }
  }

  deinit {
    if !finished {
      try? descriptor.close()
      unlink(temporary)
    }
  }
}

/// A system error in words, lower case, with what to check for a full disk.
func errorText(_ error: any Error) -> String {
  guard let e = error as? Errno else { return "\(error)" }
  let text = String(cString: strerror(e.rawValue))
  let words = text.prefix(1).lowercased() + text.dropFirst()
  switch e.rawValue {
  case ENOSPC, EDQUOT: return words + " (is the disk full?)"
  case EFBIG: return words + " (the file size limit, ulimit -f, or a full disk)"
  default: return words
  }
}

/// The bytes free for an unprivileged writer on the file system that would hold `path`
/// (its folder's), or nil when that cannot be told.
public func availableBytes(forFileAt path: String) -> Int? {
  let directory = FilePath(path).removingLastComponent()
  var info = statvfs()
  guard statvfs(directory.isEmpty ? "." : directory.string, &info) == 0 else { return nil }
  let (bytes, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
  return overflow ? .max : bytes
}

/// Writes a float32 `.npy` of `count` rows of `rowShape` batch by batch: the header with
/// the final count goes first, so any number of samples streams through a bounded
/// buffer; `finish()` checks that exactly `count` rows came.
public final class NPYStreamWriter {
  private let file: OutputFile
  /// The rows the header declares.
  public let count: Int
  private let rowValues: Int
  private var written = 0

  /// The size of such a file in bytes, nil when it does not fit in an Int.
  public static func byteCount(count: Int, rowShape: [Int]) -> Int? {
    var values = count
    for d in rowShape {
      let (v, o) = values.multipliedReportingOverflow(by: d)
      guard !o else { return nil }
      values = v
    }
    let (bytes, o) = values.multipliedReportingOverflow(by: 4)
    guard !o else { return nil }
    let (total, o2) = bytes.addingReportingOverflow(npyHeader(descr: "<f4", dims: [count] + rowShape).count)
    return o2 ? nil : total
  }

  /// Creates the file and writes its header.
  /// - Throws: `DataError` (`unwritable`).
  public init(path: String, count: Int, rowShape: [Int]) throws {
    file = try OutputFile(path)
    self.count = count
    rowValues = rowShape.reduce(1, *)
    try file.write(npyHeader(descr: "<f4", dims: [count] + rowShape))
  }

  /// Appends the rows of `values` (row-major, whole rows).
  public func append(_ values: [Float]) throws {
    precondition(values.count % max(1, rowValues) == 0, "whole rows only")
    written += values.count / max(1, rowValues)
    precondition(written <= count, "more rows than the header declares")
    var bytes = [UInt8](repeating: 0, count: 4 * values.count)
    bytes.withUnsafeMutableBytes { out in
      for (i, v) in values.enumerated() { out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
    }
    try file.write(bytes)
  }

  /// Puts the file in place.
  public func finish() throws {
    precondition(written == count, "fewer rows than the header declares")
    try file.finish()
  }
}
