// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "warden",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "warden", targets: ["WardenCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        // C shims: libsystemd through pkg-config; the fork/exec window and SCM_CREDENTIALS in plain C.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(name: "CSpawn"),
        // SMTP through libcurl (STARTTLS, SMTPS, AUTH): the read callback stays in C.
        .target(name: "CSMTP", linkerSettings: [.linkedLibrary("curl")]),

        .target(name: "WardenCore", dependencies: [
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Resilience", dependencies: ["WardenCore"]),
        .target(name: "Storage", dependencies: [
            "WardenCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Backup", dependencies: [
            "WardenCore", "Storage", "Resilience", "Telemetry",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Trading", dependencies: [
            "WardenCore",
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "Backtest", dependencies: ["WardenCore", "Trading"]),
        // The wire types of the engine socket, for the engine and its clients alike.
        .target(name: "WardenProtocol", dependencies: [
            "WardenCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "Runbooks", dependencies: [
            "WardenCore", "Storage", "Telemetry",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "TradingStore", dependencies: [
            "WardenCore", "Storage", "Trading",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Engine", dependencies: [
            "WardenCore", "Trading", "TradingStore", "WardenProtocol", "Systemd", "Telemetry",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Operations", dependencies: [
            "WardenCore", "Storage", "Telemetry",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Telemetry", dependencies: [
            "WardenCore", "CSystemd",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Systemd", dependencies: ["CSystemd", "CSpawn"]),
        .target(name: "Supervisor", dependencies: [
            "WardenCore", "Resilience", "CSpawn", "Systemd", "WardenProtocol",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Worker", dependencies: [
            "WardenCore", "Systemd", "Telemetry",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .target(name: "ControlPlane", dependencies: [
            "WardenCore", "Supervisor", "Telemetry", "WardenProtocol",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "Alerting", dependencies: [
            "WardenCore", "CSMTP", "Resilience", "Storage", "Telemetry",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "WardenCLI", dependencies: [
            "WardenCore", "Resilience", "Supervisor", "Worker", "ControlPlane", "Telemetry", "Storage", "Operations", "Backup", "Trading", "Backtest", "Engine", "Alerting", "TradingStore", "WardenProtocol", "Runbooks",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),

        .testTarget(name: "WardenCoreTests", dependencies: ["WardenCore"]),
        .testTarget(name: "ResilienceTests", dependencies: ["Resilience"]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor", "WardenCore", "WardenProtocol"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "WardenCore"]),
        .testTarget(name: "TradingStoreTests", dependencies: ["TradingStore", "Trading", "Storage", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "RunbooksTests", dependencies: ["Runbooks", "Alerting", "Storage", "Telemetry", "WardenCore", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "OperationsTests", dependencies: ["Operations", "Storage"]),
        .testTarget(name: "TradingTests", dependencies: ["Trading", "Backtest", "WardenCore"], exclude: ["Golden"]),
        .testTarget(name: "BackupTests", dependencies: ["Backup", "Storage", "WardenCore"]),
        .testTarget(name: "AlertingTests", dependencies: ["Alerting", "Resilience", "WardenCore", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
