#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
import SystemPackage

/// The reads and writes of a run directory, on the system calls themselves so that every
/// failure is a `RunFileError` naming the file and saying what is wrong in words
/// (`cannot write 'runs/x/run.json': no space left on device (is the disk full?)`),
/// never a Foundation error code.
///
/// Whole files are replaced atomically: written to `.<name>.tmp-<pid>-<random>` beside
/// the file, synced, then renamed over it, so a reader (or a resume after SIGKILL) sees
/// the old file or the new one, never half of one. The temporaries a kill leaves behind
/// have that name and are removed by `removeTemporaries` when the run resumes.
package enum RunFileIO {
  /// Writes `bytes` to `path` atomically.
  /// - Throws: `RunFileError` (writing).
  package static func write(_ bytes: [UInt8], to path: String) throws {
    let file = FilePath(path)
    let directory = file.removingLastComponent().string
    let name = file.lastComponent?.string ?? path
    let temporary = FilePath(directory.isEmpty ? "." : directory)
      .appending(".\(name).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))").string
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw RunFileError(path: path, problem: problemText(errno)) }
    var renamed = false
    defer { if !renamed { unlink(temporary) } }
    do {
      try writeAll(fd, bytes, path: path)
      guard fsync(fd) == 0 else { throw RunFileError(path: path, problem: problemText(errno)) }
    } catch {
      _ = close(fd)
      throw error
    }
    guard close(fd) == 0 else { throw RunFileError(path: path, problem: problemText(errno)) }
    guard rename(temporary, path) == 0 else { throw RunFileError(path: path, problem: problemText(errno)) }
    renamed = true
  }

  /// Writes `text` to `path` atomically.
  package static func write(_ text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
  }

  /// Appends `line` and a newline to `path` (created if absent) and syncs it, so a
  /// killed run keeps every line it printed.
  /// - Throws: `RunFileError` (writing).
  package static func append(line: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw RunFileError(path: path, problem: problemText(errno)) }
    defer { _ = close(fd) }
    try writeAll(fd, Array((line + "\n").utf8), path: path)
    guard fsync(fd) == 0 else { throw RunFileError(path: path, problem: problemText(errno)) }
  }

  /// The bytes of `path`.
  /// - Throws: `RunFileError` (reading), e.g. `cannot read 'runs/x/run.json': no such file`.
  package static func read(_ path: String) throws -> [UInt8] {
    let descriptor: FileDescriptor
    do {
      descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
    } catch let e as Errno {
      throw RunFileError(path: path, problem: problemText(e.rawValue), writing: false)
    }
    defer { try? descriptor.close() }
    // A run file is a regular file: a FIFO would block, a device never end.
    guard let status = try? descriptor.stat(), status.type == .regular else {
      throw RunFileError(path: path, problem: "it is not a regular file", writing: false)
    }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n: Int
      do {
        n = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) }
      } catch let e as Errno {
        throw RunFileError(path: path, problem: problemText(e.rawValue), writing: false)
      }
      if n == 0 { break }
      out += chunk[0..<n]
      // Run files are small; a run.json of 64 MiB is not one.
      guard out.count <= 64 << 20 else { throw RunFileError(path: path, problem: "it is larger than 64 MiB", writing: false) }
    }
    return out
  }

  /// The names in the folder `path` (without `.` and `..`).
  /// - Throws: `RunFileError` (reading): no such folder, not a folder, no permission.
  package static func listDirectory(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else { throw RunFileError(path: path, problem: problemText(errno), writing: false) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != ".", name != ".." { names.append(name) }
    }
    return names
  }

  /// Whether `path` exists (as anything).
  package static func exists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
  }

  /// Creates `path` and its parents as needed.
  /// - Throws: `RunFileError` (writing) naming the first folder that cannot be made.
  package static func makeDirectory(_ path: String) throws {
    var built = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/") {
      built += (built.isEmpty || built.hasSuffix("/") ? "" : "/") + part
      if mkdir(built, 0o755) != 0 {
        let e = errno
        var st = stat()
        guard e == EEXIST, stat(built, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
          throw RunFileError(path: built, problem: e == EEXIST ? "it exists and is not a directory" : problemText(e))
        }
      }
    }
  }

  /// Removes the temporary files an interrupted atomic write left in `directory`
  /// (`.<name>.tmp-...`, from this writer and the checkpoint writer); returns their names.
  @discardableResult
  package static func removeTemporaries(in directory: String) -> [String] {
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    var removed: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      guard name.hasPrefix("."), name.contains(".tmp-") else { continue }
      if unlink(FilePath(directory).appending(name).string) == 0 { removed.append(name) }
    }
    return removed
  }

  /// A system error as the rest of a `cannot write '<file>': ...` message, with what to
  /// check for the usual ones.
  package static func problemText(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    let words = text.prefix(1).lowercased() + text.dropFirst()
    switch code {
    case ENOSPC, EDQUOT: return words + " (is the disk full?)"
    case EFBIG: return words + " (the file size limit, ulimit -f, or a full disk)"
    case EACCES, EPERM: return words + " (check the directory's permissions)"
    case EROFS: return words + " (the file system is read-only)"
    case ENOENT: return "no such file or directory"
    default: return words
    }
  }

  /// A system error text written by another writer (strerror's words), in the form of
  /// `problemText`.
  package static func describe(_ reason: String) -> String {
    let words = reason.prefix(1).lowercased() + reason.dropFirst()
    if reason.contains("No space left") || reason.contains("Disk quota") { return words + " (is the disk full?)" }
    if reason.contains("File too large") { return words + " (the file size limit, ulimit -f, or a full disk)" }
    return words
  }

  private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
    try bytes.withUnsafeBytes { buffer in
      var done = 0
      while done < buffer.count, let base = buffer.baseAddress {
        let n = systemWrite(fd, base + done, buffer.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          throw RunFileError(path: path, problem: problemText(errno))
        }
        done += n
      }
    }
  }
}

/// write(2), named apart from `RunFileIO.write`.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
  #elseif canImport(Musl)
    Musl.write(fd, buffer, count)
  #else
    Darwin.write(fd, buffer, count)
  #endif
}
