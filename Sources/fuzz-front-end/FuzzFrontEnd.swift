#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
import CFuzzerDriver
import FlowcFuzz

/// `FuzzTargets.frontEnd` as an executable. Built by .ci/fuzz (`-sanitize=fuzzer -DFUZZING`)
/// it is a libFuzzer binary, started through `LLVMFuzzerRunDriver` (SwiftPM gives an
/// executable its own entry point, so libFuzzer's `main` is not used); built normally it
/// replays corpus and crash files: `swift run fuzz-front-end FILE_OR_DIR ...`.
@main struct FuzzFrontEnd {
  static func main() {
    #if FUZZING
      var argc = CommandLine.argc
      var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
      exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    #else
      exit(replayFuzzInputs(Array(CommandLine.arguments.dropFirst()), through: FuzzTargets.frontEnd))
    #endif
  }
}

#if FUZZING
  /// One input, as libFuzzer hands it over.
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTargets.frontEnd(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
  }
#endif
