// swift-tools-version: 6.0
// The Glow-step micro-benchmark (bench/conv-step.sh): FlowRuntime alone, release builds only.
import PackageDescription

let package = Package(
  name: "ConvStep",
  dependencies: [.package(name: "flowc", path: "../..")],
  targets: [
    .executableTarget(
      name: "ConvStep",
      dependencies: [.product(name: "FlowRuntime", package: "flowc")],
      swiftSettings: [.unsafeFlags(["-Ounchecked"])]
    )
  ]
)
