#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

/// Runs `target` on every file named in `arguments` (directories: every file in them, not
/// recursing), as libFuzzer would, and prints how many it ran: the fuzz executables do
/// this when built without libFuzzer, so a crash input can be replayed (and debugged) with
/// a normal build: `swift run fuzz-front-end crash-1234`.
package func replayFuzzInputs(_ arguments: [String], through target: ([UInt8]) -> Void) -> Int32 {
  var files: [String] = []
  for path in arguments {
    var st = stat()
    guard stat(path, &st) == 0 else {
      print("cannot read \(path): \(String(cString: strerror(errno)))")
      return 2
    }
    if st.st_mode & S_IFMT == S_IFDIR {
      guard let dir = opendir(path) else { continue }
      while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var entryStatus = stat()
        let file = path + "/" + name
        if !name.hasPrefix("."), stat(file, &entryStatus) == 0, entryStatus.st_mode & S_IFMT == S_IFREG { files.append(file) }
      }
      closedir(dir)
    } else {
      files.append(path)
    }
  }
  for file in files.sorted() {
    guard let bytes = storedBytes(file) else {
      print("cannot read \(file)")
      return 2
    }
    target(bytes)
  }
  print("ran \(files.count) inputs without a crash")
  return 0
}

/// The bytes of `path` as stored (not inflated: the targets see what libFuzzer gives them).
func storedBytes(_ path: String) -> [UInt8]? {
  guard let f = fopen(path, "rb") else { return nil }
  defer { fclose(f) }
  var out: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = fread(&chunk, 1, chunk.count, f)
    if n == 0 { break }
    out += chunk[0..<n]
  }
  return ferror(f) == 0 ? out : nil
}
