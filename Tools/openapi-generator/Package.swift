// swift-tools-version:6.2
// Builds `swift-openapi-generator` for `scripts/generate-openapi` only: the main package
// compiles the committed output and never builds the generator (see docs/development.md).
import PackageDescription

let package = Package(
    name: "openapi-generator-tool",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3")
    ],
    targets: []
)
