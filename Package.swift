// swift-tools-version: 6.0
// flowc: a compiler for normalizing-flow specs.
//
// Stages are separate modules; dependencies point one way (docs/architecture.md):
//   flowc -> FlowcOOD -> FlowcReport -> FlowcRun -> FlowcBuild -> FlowcIR -> FlowcSpec -> FlowcDiagnostics
//            FlowcReport -> FlowcDiff -> FlowcIR
//   FlowcBuild -> FlowRuntime (OpenBLAS, FlowKernels in C), FlowData (zlib); FlowcReport -> FlowPlot (cairo)
//   FlowcExport -> FlowcIR (the PyTorch export); FlowcLaunch -> FlowcExport, FlowcRun (engines, sweeps)
//   flowc -> FlowRuntime directly too: its entry point chooses the OpenBLAS kernel first
import PackageDescription

/// swift-numerics' `Real`: the elementary functions for Float and Double.
let realModule = Target.Dependency.product(name: "RealModule", package: "swift-numerics")
/// swift-system's `FileDescriptor`, `FilePath` and `Stat`.
let systemPackage = Target.Dependency.product(name: "SystemPackage", package: "swift-system")

let package = Package(
  name: "flowc",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "flowc", targets: ["flowc"]),
    // The numerical runtime alone, for the benchmark drivers in bench/ (their own packages).
    .library(name: "FlowRuntime", targets: ["FlowRuntime"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // `Real` (exp, log, log(onePlus:), tanh, erf, ...) for Float and Double, in place of
    // hand-written libm wrappers.
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    // `FileDescriptor`, `FilePath` and `Stat` for the bounded file readers and path joins.
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
  ],
  targets: [
    // MARK: - System libraries
    .systemLibrary(
      name: "CYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"])]
    ),
    .systemLibrary(
      name: "CZlib",
      pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]
    ),
    .systemLibrary(
      name: "CCairo",
      pkgConfig: "cairo",
      providers: [.apt(["libcairo2-dev"])]
    ),
    .systemLibrary(
      name: "CBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]
    ),
    // The x86 cpuid and xgetbv instructions (header only, links nothing), for choosing
    // OpenBLAS's kernel.
    .systemLibrary(name: "CCPUID"),
    // glibc's malloc_trim (header only): freed training memory back to the system before
    // a run draws its figures.
    .systemLibrary(name: "CMalloc"),

    // MARK: - Shared by the runtime and the data readers
    .target(name: "FlowRandom", dependencies: [realModule]),
    .target(name: "FlowData", dependencies: ["CZlib", "FlowRandom", systemPackage]),
    .target(name: "SafeTensors", dependencies: [systemPackage]),
    // Plot types (axes, scatter, heat map, line chart, image grid) drawn with cairo.
    .target(name: "FlowPlot", dependencies: ["CCairo"]),

    // MARK: - Numerical runtime (imports no compiler module)
    // Flat C kernels of the training step (Adam's update, sums of squares), compiled for
    // x86-64-v3 and baseline x86-64 in one binary (target_clones); no FMA contraction, so
    // every CPU computes the same values.
    .target(name: "FlowKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]),
    // -fno-math-errno lets `squareRoot()` compile to a vector sqrt instead of a libm call
    // that must set errno, so elementwise loops (ActNorm's, the layers' norms) vectorise.
    .target(
      name: "FlowRuntime", dependencies: ["CBLAS", "CCPUID", "FlowKernels", "FlowRandom", realModule],
      swiftSettings: [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
    ),

    // MARK: - Compiler stages
    .target(name: "FlowcDiagnostics", dependencies: [systemPackage]),
    .target(name: "FlowcSpec", dependencies: ["FlowcDiagnostics", "CYAML"]),
    // Lowering, validation, estimate, emitters, and `Pipeline.check` (read -> parse ->
    // decode -> lower -> validate). Links libyaml only: no BLAS, cairo or zlib.
    .target(name: "FlowcIR", dependencies: ["FlowcSpec", "FlowcDiagnostics", "FlowRandom"]),

    // MARK: - Consumers of the validated graph
    // `flowc diff` of two graphs: depends on the IR only.
    .target(name: "FlowcDiff", dependencies: ["FlowcIR", "FlowcSpec", "FlowcDiagnostics"]),
    // ValidatedGraph -> runtime flow, the data plan, `check --numeric`, log-density evaluation.
    .target(name: "FlowcBuild", dependencies: ["FlowcIR", "FlowcSpec", "FlowcDiagnostics", "FlowRuntime", "FlowData", "FlowRandom"]),
    // Training runs: run directory, trainer, checkpoints, trained models.
    .target(name: "FlowcRun", dependencies: ["FlowcBuild", "FlowcIR", "FlowcSpec", "FlowcDiagnostics", "FlowRuntime", "FlowData",
                                             "FlowRandom", "SafeTensors", "CMalloc", systemPackage]),
    // The PyTorch export of a validated graph: a Python package per flow (docs/scale-out.md).
    // Depends on the compiler front end only; its Python files are embedded in the binary.
    .target(
      name: "FlowcExport", dependencies: ["FlowcIR", "FlowcSpec", "FlowcDiagnostics"],
      resources: [
        .embedInCode("Python/core.py"), .embedInCode("Python/nets.py"), .embedInCode("Python/couplings.py"),
        .embedInCode("Python/splines.py"), .embedInCode("Python/autoregressive.py"),
        .embedInCode("Python/normalization.py"), .embedInCode("Python/linear.py"), .embedInCode("Python/permutations.py"),
        .embedInCode("Python/elementwise.py"), .embedInCode("Python/multiscale.py"), .embedInCode("Python/priors.py"),
        .embedInCode("Python/data.py"), .embedInCode("Python/checkpoint.py"), .embedInCode("Python/evaluate.py"),
        .embedInCode("Python/optim.py"), .embedInCode("Python/train.py"),
      ]
    ),
    // Runs as processes: `flowc run --engine pytorch` (export + train.py under torchrun),
    // `flowc sweep` (a grid of child `flowc run`s, N at a time, resumable) and Slurm scripts.
    .target(name: "FlowcLaunch", dependencies: ["FlowcExport", "FlowcRun", "FlowcIR", "FlowcSpec", "FlowcDiagnostics"]),
    // Figures, report.html, run records, run diffs and the runs table.
    .target(name: "FlowcReport", dependencies: ["FlowcRun", "FlowcDiff", "FlowcIR", "FlowcDiagnostics", "FlowData", "FlowPlot", "FlowRuntime", systemPackage]),
    // `flowc ood`: out-of-distribution scores of a trained flow, their detection metrics,
    // figures and report (compressed sizes through cairo's PNG writer and zlib).
    .target(name: "FlowcOOD", dependencies: ["FlowcReport", "FlowcRun", "FlowcBuild", "FlowcIR", "FlowcSpec", "FlowcDiagnostics", "FlowData",
                                             "FlowRandom", "FlowPlot", "CCairo", "CZlib"]),

    // MARK: - Command-line tool
    .executableTarget(
      name: "flowc",
      dependencies: [
        "FlowcOOD", "FlowcReport", "FlowcRun", "FlowcBuild", "FlowcDiff", "FlowcExport", "FlowcLaunch", "FlowcIR", "FlowcSpec",
        "FlowcDiagnostics", "FlowData",
        "FlowRuntime",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Fuzzing (docs/limits.md, README "Contributing")
    // The fuzz targets: arbitrary bytes into the front end and into the data readers.
    // `.ci/fuzz` builds the two executables with libFuzzer (-sanitize=fuzzer -DFUZZING);
    // a normal build makes them replayers of corpus and crash files.
    .target(name: "FlowcFuzz", dependencies: ["FlowcIR", "FlowcSpec", "FlowcDiagnostics", "FlowData"]),
    // libFuzzer's LLVMFuzzerRunDriver, declared for Swift (header only).
    .target(name: "CFuzzerDriver"),
    .executableTarget(name: "fuzz-front-end", dependencies: ["FlowcFuzz", "CFuzzerDriver"]),
    .executableTarget(name: "fuzz-data-readers", dependencies: ["FlowcFuzz", "CFuzzerDriver"]),

    // MARK: - Tests
    // The expected-diagnostic verifier shared by the compiler-stage tests (no system library).
    .target(name: "FlowcTestSupport", dependencies: ["FlowcDiagnostics", "FlowcIR", "FlowcSpec", "FlowRandom"], path: "Tests/FlowcTestSupport"),
    // PNG decoding through cairo, for the figure tests.
    .target(name: "PNGTestSupport", dependencies: ["CCairo"], path: "Tests/PNGTestSupport"),
    // A per-thread allocation counter (malloc interposed in the test binary), for the
    // runtime's no-allocation-per-step tests.
    .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
    .testTarget(name: "FlowRandomTests", dependencies: ["FlowRandom"]),
    .testTarget(name: "FlowDataTests", dependencies: ["FlowData", "FlowRandom"]),
    .testTarget(name: "FlowRuntimeTests", dependencies: ["FlowRuntime", "FlowRandom", "AllocationCounter"]),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
    .testTarget(name: "FlowPlotTests", dependencies: ["FlowPlot", "PNGTestSupport"]),
    .testTarget(name: "FlowcDiagnosticsTests", dependencies: ["FlowcDiagnostics"]),
    .testTarget(name: "FlowcSpecTests", dependencies: ["FlowcSpec", "FlowcTestSupport"], exclude: ["Fixtures"]),
    .testTarget(name: "FlowcIRTests", dependencies: ["FlowcIR", "FlowcSpec", "FlowcTestSupport"], exclude: ["Fixtures"]),
    .testTarget(name: "FlowcDiffTests", dependencies: ["FlowcDiff", "FlowcIR", "FlowcSpec", "FlowcTestSupport"]),
    .testTarget(name: "FlowcBuildTests", dependencies: ["FlowcBuild", "FlowcDiff", "FlowcExport", "FlowcIR", "FlowcSpec", "FlowcTestSupport", "FlowRuntime", "FlowData", "FlowRandom"]),
    .testTarget(name: "FlowcRunTests", dependencies: ["FlowcRun", "FlowcBuild", "FlowcIR", "FlowData", "FlowRandom"]),
    .testTarget(name: "FlowcReportTests", dependencies: ["FlowcReport", "FlowcRun", "FlowPlot", "FlowRandom", "PNGTestSupport"]),
    .testTarget(name: "FlowcExportTests", dependencies: ["FlowcExport", "FlowcBuild", "FlowcRun", "FlowcIR", "FlowcSpec", "FlowData",
                                                        "SafeTensors", "FlowcTestSupport"], exclude: ["Support/parity.py"]),
    .testTarget(name: "FlowcOODTests", dependencies: ["FlowcOOD", "FlowcRun", "FlowcBuild", "FlowData", "FlowcTestSupport", "PNGTestSupport"]),
    .testTarget(name: "FlowcFuzzTests", dependencies: ["FlowcFuzz"]),
    .testTarget(name: "FlowcCLITests", dependencies: ["FlowcRun", "FlowcReport", "FlowData", "FlowRuntime", "FlowcTestSupport", "PNGTestSupport"]),
  ]
)
