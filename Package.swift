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
    // Vector math through libmvec (loaded at run time with dlopen) and malloc tuning.
    .target(
      name: "CNablaKernels", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
    .target(name: "NablaCore", dependencies: ["COpenBLAS", "CNablaKernels"]),
    .target(name: "NablaLanguage", dependencies: ["NablaCore"]),
    .target(name: "NablaSession", dependencies: ["NablaCore", "NablaLanguage"]),
    .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
    // No pkgConfig: SwiftPM drops ncursesw.pc's -D_XOPEN_SOURCE; the shim defines NCURSES_WIDECHAR.
    .systemLibrary(name: "CNcurses", providers: [.apt(["libncurses-dev"])]),
    .target(
      name: "NablaTerminal",
      dependencies: ["NablaCore", "NablaLanguage", "NablaSession", "CEditLine", "CNcurses"]),
    .executableTarget(
      name: "nabla",
      dependencies: [
        "NablaCore", "NablaLanguage", "NablaSession", "NablaTerminal",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "NablaBenchmarks", dependencies: ["NablaCore", "NablaLanguage", "NablaSession"]),
    .testTarget(name: "NablaCoreTests", dependencies: ["NablaCore"]),
    .testTarget(name: "NablaLanguageTests", dependencies: ["NablaLanguage", "NablaCore"]),
    .testTarget(
      name: "NablaSessionTests", dependencies: ["NablaSession", "NablaLanguage", "NablaCore"],
      exclude: ["PlotGoldens"]),
    .testTarget(
      name: "NablaTerminalTests", dependencies: ["NablaTerminal", "NablaSession"], exclude: ["GraphGoldens"]),
    // Runs the built `nabla` binary: golden transcripts, exit codes, JSON output.
    .testTarget(name: "NablaCLITests", dependencies: ["nabla"], exclude: ["Transcripts"]),
  ]
)
