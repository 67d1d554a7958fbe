// swift-tools-version: 6.0
// flowc: a compiler for normalizing-flow specs.
//
// Stages are separate modules; dependencies point one way:
//   flowc -> FlowcDriver -> FlowcIR -> FlowcSpec -> FlowcDiagnostics
// See docs/architecture.md.
import PackageDescription

let package = Package(
  name: "flowc",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "flowc", targets: ["flowc"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
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

    // MARK: - Shared by the runtime and the data readers
    .target(name: "FlowRandom"),
    .target(name: "FlowData", dependencies: ["CZlib", "FlowRandom"]),
    .target(name: "SafeTensors"),
    // Plot types (axes, scatter, heat map, line chart, image grid) drawn with cairo.
    .target(name: "FlowPlot", dependencies: ["CCairo"]),

    // MARK: - Numerical runtime (imports no compiler module)
    // -fno-math-errno lets `squareRoot()` compile to a vector sqrt instead of a libm call
    // that must set errno, so elementwise loops (Adam's update) vectorise.
    .target(
      name: "FlowRuntime", dependencies: ["CBLAS", "FlowRandom"],
      swiftSettings: [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
    ),

    // MARK: - Compiler stages
    .target(name: "FlowcDiagnostics"),
    .target(name: "FlowcSpec", dependencies: ["FlowcDiagnostics", "CYAML"]),
    .target(name: "FlowcIR", dependencies: ["FlowcSpec", "FlowcDiagnostics", "FlowRandom"]),
    .target(name: "FlowcDriver", dependencies: ["FlowcIR", "FlowcSpec", "FlowcDiagnostics", "FlowRuntime", "FlowData", "FlowRandom", "SafeTensors", "FlowPlot"]),

    // MARK: - Command-line tool
    .executableTarget(
      name: "flowc",
      dependencies: [
        "FlowcDriver",
        "FlowcSpec",
        "FlowcIR",
        "FlowcDiagnostics",
        "FlowData",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),

    // MARK: - Tests
    // The expected-diagnostic verifier shared by the stage tests.
    .target(name: "FlowcTestSupport", dependencies: ["FlowcDiagnostics", "CCairo"], path: "Tests/FlowcTestSupport"),
    .testTarget(name: "FlowRandomTests", dependencies: ["FlowRandom"]),
    .testTarget(name: "FlowDataTests", dependencies: ["FlowData", "FlowRandom"]),
    .testTarget(name: "FlowRuntimeTests", dependencies: ["FlowRuntime", "FlowRandom"]),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
    .testTarget(name: "FlowPlotTests", dependencies: ["FlowPlot", "FlowcTestSupport"]),
    .testTarget(name: "FlowcDiagnosticsTests", dependencies: ["FlowcDiagnostics"]),
    .testTarget(name: "FlowcSpecTests", dependencies: ["FlowcSpec", "FlowcTestSupport"], exclude: ["Fixtures"]),
    .testTarget(name: "FlowcIRTests", dependencies: ["FlowcIR", "FlowcSpec", "FlowcDriver", "FlowcTestSupport"],
                exclude: ["Fixtures"]),
    .testTarget(name: "FlowcCLITests", dependencies: ["FlowcDriver", "FlowcTestSupport", "FlowPlot"]),
  ]
)
