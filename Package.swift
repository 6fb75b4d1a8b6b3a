// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "Nabla",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "nabla", targets: ["nabla"]),
    .library(name: "NablaCore", targets: ["NablaCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .target(name: "NablaCore", dependencies: ["COpenBLAS"]),
    .target(name: "NablaLanguage", dependencies: ["NablaCore"]),
    .target(name: "NablaSession", dependencies: ["NablaCore", "NablaLanguage"]),
    .executableTarget(
      name: "nabla",
      dependencies: [
        "NablaCore", "NablaLanguage", "NablaSession",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "NablaBenchmarks", dependencies: ["NablaCore", "NablaLanguage", "NablaSession"]),
    .testTarget(name: "NablaCoreTests", dependencies: ["NablaCore"]),
    .testTarget(name: "NablaLanguageTests", dependencies: ["NablaLanguage", "NablaCore"]),
    .testTarget(
      name: "NablaSessionTests", dependencies: ["NablaSession", "NablaLanguage", "NablaCore"]),
  ]
)
