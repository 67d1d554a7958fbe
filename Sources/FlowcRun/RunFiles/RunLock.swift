#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

/// `run.lock`: held by the process training a run, so that anyone can tell a live run
/// from a dead one.
///
/// A run that is killed (SIGKILL, the OOM killer, a crash, a closed terminal) cannot
/// rewrite its run.json, which keeps saying `running`. The trainer holds an exclusive
/// `flock(2)` on `run.lock` for as long as it runs; the kernel drops the lock when the
/// process dies, however it dies. So a run.json that says `running` while nobody holds
/// the lock is a dead run (`flowc runs` shows `dead`), and `--resume` refuses a run
/// whose lock is held (it is still training). The lock file also holds the pid, for
/// messages. Locks on network file systems depend on the server; on a local disk they
/// are exact.
package final class RunLock {
  private let fd: Int32
  /// The lock file.
  package let path: String

  private init(fd: Int32, path: String) {
    self.fd = fd
    self.path = path
  }

  /// Takes the lock of `directory`.
  /// - Throws: `RunLockError.held` with the holder's pid when another process has it,
  ///   `RunFileError` when the file cannot be made.
  package static func acquire(_ directory: RunDirectory) throws -> RunLock {
    let path = directory.lock
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw RunFileError(path: path, problem: RunFileIO.problemText(errno)) }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      let e = errno
      close(fd)
      if e == EWOULDBLOCK { throw RunLockError(directory: directory.path, pid: holder(path)) }
      throw RunFileError(path: path, problem: RunFileIO.problemText(e))
    }
    let text = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    return RunLock(fd: fd, path: path)
  }

  /// Whether a live process holds the lock of `directory`: nil when the run has no lock
  /// file (a run of an older flowc, or one that never started training).
  package static func isHeld(_ directory: RunDirectory) -> Bool? {
    let fd = open(directory.lock, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    if flock(fd, LOCK_SH | LOCK_NB) == 0 {
      flock(fd, LOCK_UN)
      return false
    }
    return errno == EWOULDBLOCK
  }

  /// The pid written in a lock file, if any.
  static func holder(_ path: String) -> Int? {
    guard let bytes = try? RunFileIO.read(path) else { return nil }
    return Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " \n"))
  }

  /// Releases the lock (also released when the process ends).
  package func release() {
    flock(fd, LOCK_UN)
    close(fd)
  }
}

/// `--resume` of a run another process is still training.
package struct RunLockError: Error, CustomStringConvertible {
  package var directory: String
  package var pid: Int?
  package var description: String {
    "the run \(directory) is still being trained\(pid.map { " by process \($0)" } ?? ""); wait for it to finish, or stop it first"
  }
}

extension String {
  /// The string without leading and trailing characters of `set`.
  fileprivate func trimmingCharacters(in set: String) -> String {
    var s = Substring(self)
    while let f = s.first, set.contains(f) { s.removeFirst() }
    while let l = s.last, set.contains(l) { s.removeLast() }
    return String(s)
  }
}
