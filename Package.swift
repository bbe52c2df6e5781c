// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "hangar",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hangar", targets: ["hangar"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // JWTKit 5.8 needs swift-crypto >= 4.1 (TOOLCHAIN.md).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.2.0"),
        // OTLP over HTTP only: the gRPC exporter would add grpc-swift and minutes to every clean build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        // Settings: flags, environment and an optional JSON file through one reader (JSON is its default trait).
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        // The runtime of the committed generated code (Sources/HangarAPI/Generated); the generator
        // itself is built only by scripts/generate-openapi (Tools/openapi-generator).
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        // External agents' local jobs: spawning in a process group, streamed output, teardown.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
    ],
    targets: [
        // Domain value types and errors. No dependencies.
        .target(name: "HangarCore", swiftSettings: swiftSettings),
        // Hangar's settings: the catalogue (key, environment variable, flag, default, help), strict
        // typed reads through swift-configuration, and the one table that documents them.
        .target(
            name: "HangarSettings",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `text/event-stream` format: one writer and one incremental reader. No dependencies.
        .target(name: "HangarSSE", swiftSettings: swiftSettings),
        // Sleeps and one-shot timers that free their memory when cancelled (Task.sleep does not).
        .target(
            name: "HangarTimers",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The storage contract every backend implements, plus the claim policy they share.
        .target(
            name: "HangarStore",
            dependencies: ["HangarCore", "HangarTimers"],
            swiftSettings: swiftSettings
        ),
        // Errors in words a person acts on (responses, task errors, events): no debug dumps.
        .target(
            name: "HangarErrorText",
            dependencies: [
                "HangarCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HangarStoreSQLite",
            dependencies: ["HangarCore", "HangarStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HangarStorePostgres",
            dependencies: [
                "HangarCore",
                "HangarTimers",
                "HangarErrorText",
                "HangarStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Worker pool, leases, retries, maintenance: the queue's moving parts.
        .target(
            name: "HangarRuntime",
            dependencies: [
                "HangarCore",
                "HangarErrorText",
                "HangarStore",
                "HangarTimers",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // Agent kinds (executors), model providers (OpenAI-compatible, Ollama, mock) and the
        // tools agents call (built-in, MCP).
        .target(
            name: "HangarAgents",
            dependencies: [
                "HangarSettings",
                .product(name: "Configuration", package: "swift-configuration"),
                "HangarCore",
                .product(name: "NIOPosix", package: "swift-nio"),
                "HangarSSE",
                "HangarTimers",
                "HangarErrorText",
                "HangarRuntime",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        // Speech: synthesisers (espeak-ng, OpenAI-compatible HTTP, F5-TTS socket), voice registry,
        // segmentation, parallel synthesis, resampling, crossfade splicing, paced 20 ms frames.
        .target(
            name: "HangarSpeech",
            dependencies: [
                "HangarSettings",
                .product(name: "Configuration", package: "swift-configuration"),
                "HangarTimers",
                "HangarErrorText",
                "HangarCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Time-to-first-audio and real-time factor of the speech pipeline (docs/speech.md).
        .executableTarget(
            name: "hangar-speech-bench",
            dependencies: [
                "HangarTimers","HangarSpeech"],
            swiftSettings: swiftSettings
        ),
        // Load, latency, memory, fan-out and soak benchmarks of real `hangar` processes (README).
        .executableTarget(
            name: "hangar-bench",
            dependencies: [
                "HangarCore",
                "HangarTimers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Hangar's JSON parser and serializer against Foundation's (docs/architecture.md).
        .executableTarget(name: "hangar-json-bench", dependencies: ["HangarCore"], swiftSettings: swiftSettings),
        // C libraries a fresh Swift image already ships: zstd (MDS shard compression; declared
        // in our own header and linked by soname, as the image has libzstd1 but no libzstd-dev)
        // and libjpeg (cropping screenshots for refinement, re-encoding frames).
        .systemLibrary(name: "CZstd"),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        // Blob storage: a local directory, or any S3-compatible endpoint (SigV4).
        .target(
            name: "HangarBlobs",
            dependencies: [
                "HangarSettings",
                .product(name: "Configuration", package: "swift-configuration"),
                "HangarTimers",
                "HangarErrorText",
                "HangarCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Training-data capture: episodes (frames + actions, zipped as seed 001), MosaicML
        // Streaming (MDS) shards with zstd, datasets and their upload.
        .target(
            name: "HangarCapture",
            dependencies: [
                "HangarSettings",
                .product(name: "Configuration", package: "swift-configuration"),
                "HangarTimers",
                "HangarErrorText",
                "HangarCore", "HangarBlobs", "CZstd",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Browser agents: environments (Chrome DevTools Protocol, Neko), ShowUI actions,
        // the screenshot → model → action loop, persistent sessions.
        .target(
            name: "HangarBrowser",
            dependencies: [
                "HangarCore",
                "HangarTimers",
                "HangarErrorText",
                "HangarAgents", "HangarRuntime", "HangarCapture", "HangarBlobs", "CJPEG",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // One browser step's overhead without a model (screenshot, action, step event) on
        // headless Chromium at 1280×720 and 1920×1080.
        .executableTarget(
            name: "hangar-browser-bench",
            dependencies: ["HangarBrowser", "HangarBackends", "HangarStore", "HangarCore"],
            swiftSettings: swiftSettings
        ),
        // Chat-platform bots (issue 16): the platform seam, Telegram's Bot API client, reply
        // splitting, and the `bot` agent kind that answers a chat message.
        .target(
            name: "HangarBots",
            dependencies: [
                "HangarAgents",
                "HangarCore",
                "HangarErrorText",
                "HangarRuntime",
                "HangarStore",
                "HangarTimers",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP API: buildApplication, routes, SSE, OpenAPI document.
        // Delivers the webhook outbox (signed, leased, retried, policy-checked): a service of
        // every process, no HTTP server needed.
        // The `external` agent kind: Agent Protocol services reached by URL, and jobs run as
        // local processes, behind a runtime seam the Kubernetes runtime fills next.
        .target(
            name: "HangarExternal",
            dependencies: [
                "HangarAgents",
                "HangarCore",
                "HangarErrorText",
                "HangarRuntime",
                "HangarSSE",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HangarWebhooks",
            dependencies: [
                "HangarAgents",
                "HangarAuth",
                "HangarCore",
                "HangarErrorText",
                "HangarRuntime",
                "HangarStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HangarServer",
            dependencies: [
                "HangarBots",
                "HangarCore",
                "HangarStore",
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "HangarSSE",
                "HangarTimers",
                "HangarErrorText",
                "HangarRuntime",
                "HangarAgents",
                "HangarAuth",
                "HangarSpeech",
                "HangarBlobs",
                "HangarCapture",
                "HangarBrowser",
                "HangarWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                "HangarAPIServer",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        // The API contract as Swift: types and client generated from openapi.json, committed
        // (scripts/generate-openapi writes them; scripts/check-generated catches a stale copy).
        .target(
            name: "HangarAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["openapi-generator-config.yaml"],
            swiftSettings: swiftSettings
        ),
        // The server's side of the contract: types and `APIProtocol` generated from openapi.json
        // for the operations HangarServer serves through generated handlers (scripts/generate-openapi).
        .target(
            name: "HangarAPIServer",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["openapi-generator-config.yaml"],
            swiftSettings: swiftSettings
        ),
        // Identity: API keys, JWTs, roles, the bootstrap admin key.
        .target(
            name: "HangarAuth",
            dependencies: [
                "HangarSettings",
                .product(name: "Configuration", package: "swift-configuration"),
                "HangarCore",
                "HangarStore",
                "HangarRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // OpenTelemetry: the OTLP/HTTP span exporter, configured from the standard OTEL_* variables.
        .target(
            name: "HangarTelemetry",
            dependencies: [
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Opens a store from a URL: the one place that knows every backend.
        .target(
            name: "HangarBackends",
            dependencies: [
                "HangarCore",
                "HangarStore",
                "HangarTimers",
                "HangarStoreSQLite",
                "HangarStorePostgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root: reads the settings and builds `serve` and `worker` from every
        // module; the executable only parses flags and calls it, and tests build the same way.
        .target(
            name: "HangarApp",
            dependencies: [
                "HangarAgents",
                "HangarBots",
                "HangarAuth",
                "HangarBackends",
                "HangarBlobs",
                "HangarBrowser",
                "HangarExternal",
                "HangarCapture",
                "HangarCore",
                "HangarRuntime",
                "HangarServer",
                "HangarSettings",
                "HangarSpeech",
                "HangarStore",
                "HangarTelemetry",
                "HangarWebhooks",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hangar",
            dependencies: [
                "HangarApp",
                "HangarAuth",
                "HangarBackends",
                "HangarCore",
                "HangarSSE",
                "HangarSettings",
                "HangarStore",
                "HangarTimers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                "HangarAPI",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),

        // Shared by the test targets: isolated SQLite and PostgreSQL stores.
        .target(
            name: "HangarTestSupport",
            dependencies: [
                "HangarCore",
                "HangarStore",
                .product(name: "Logging", package: "swift-log"),
                "HangarBackends", "HangarRuntime", "HangarAgents",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/HangarTestSupport",
            swiftSettings: swiftSettings
        ),
        // MCP servers for the tests: the tools, and a stdio server built from them.
        .target(
            name: "MCPFixtureTools",
            dependencies: [.product(name: "MCP", package: "swift-sdk")],
            path: "Tests/MCPFixtureTools",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hangar-mcp-fixture",
            dependencies: ["MCPFixtureTools", .product(name: "MCP", package: "swift-sdk")],
            path: "Tests/MCPFixtureServer",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HangarAgentsTests",
            dependencies: [
                "HangarSettings",
                "HangarCore",
                "HangarRuntime",
                "HangarStore",
                "HangarErrorText",
                "HangarTestSupport", "HangarAgents", "MCPFixtureTools",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HangarSettingsTests",
            dependencies: ["HangarSettings", .product(name: "Configuration", package: "swift-configuration")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HangarAppTests",
            dependencies: [
                "HangarApp",
                "HangarBots",
                "HangarAuth",
                "HangarCore",
                "HangarSettings",
                "HangarStore",
                "HangarTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "HangarCoreTests", dependencies: ["HangarCore"], swiftSettings: swiftSettings),
        .testTarget(name: "HangarSSETests", dependencies: ["HangarSSE"], swiftSettings: swiftSettings),
        .testTarget(name: "HangarTimersTests", dependencies: ["HangarTimers", "HangarTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HangarStoreTests",
            dependencies: [
                "HangarTestSupport", "HangarCore", "HangarRuntime", "HangarStore", "HangarStorePostgres", "HangarStoreSQLite",
                "HangarTimers",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HangarRuntimeTests",
            dependencies: [
                "HangarTestSupport", "HangarAgents", "HangarCore", "HangarRuntime", "HangarStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HangarServerTests",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "HangarAgents",
                "HangarExternal",
                "HangarBlobs",
                "HangarBrowser",
                "HangarCapture",
                "HangarCore",
                "HangarRuntime",
                "HangarStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                "HangarTestSupport", "HangarServer", "HangarAuth", "HangarSpeech", "HangarWebhooks",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HangarSpeechTests",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "HangarCore",
                "HangarRuntime",
                "HangarSettings",
                "HangarStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                "HangarSpeech", "HangarServer", "HangarAuth", "HangarTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HangarCaptureTests",
            dependencies: [
                "HangarCore",
                "HangarCapture", "HangarBlobs", "HangarSettings", "HangarTestSupport", "CJPEG",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HangarBrowserTests",
            dependencies: [
                "HangarAgents",
                "HangarCore",
                "HangarRuntime",
                "HangarStore",
                "HangarBrowser", "HangarCapture", "HangarBlobs", "HangarTestSupport", "HangarServer", "HangarAuth",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HangarProcessTests",
            dependencies: [
                "HangarCore",
                "HangarStore",
                "HangarTestSupport", "HangarServer", "HangarWebhooks",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
