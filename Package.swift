// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Roost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "roost", targets: ["roost"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "IMAPD", targets: ["IMAPD"]),
        .library(name: "ServerCore", targets: ["ServerCore"]),
        .library(name: "LMTPD", targets: ["LMTPD"]),
        .library(name: "POPD", targets: ["POPD"]),
        // Invariants on parser output, shared by StoreTests and the fuzzers in Fuzzing/.
        .library(name: "ParserChecks", targets: ["ParserChecks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),
        // glibc's malloc tuning (mallopt), which the Glibc module does not export.
        .systemLibrary(name: "CMalloc"),
        // ICU's charset converters and case folding behind plain C types (see SWIFT-NOTES).
        .target(name: "CICU", linkerSettings: [.linkedLibrary("icuuc")]),
        .target(
            name: "Store",
            dependencies: ["CSQLite", "CCrypt", "CICU"]
        ),
        // Plumbing the protocol listeners share: configuration, listeners, TLS, login throttling.
        .target(
            name: "ServerCore",
            dependencies: [
                "Store",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "LMTPD",
            dependencies: [
                "Store", "ServerCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "POPD",
            dependencies: [
                "Store", "ServerCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "IMAPD",
            dependencies: [
                "Store", "ServerCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .executableTarget(
            name: "roost",
            dependencies: [
                "Store", "ServerCore", "IMAPD", "LMTPD", "POPD", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What wire tests share: temporary data directories, `roost serve` as a child, a socket client.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // What any parsed message must satisfy: valid IMAP syntax, part ranges inside the message.
        .target(name: "ParserChecks", dependencies: ["Store"], path: "Tests/ParserChecks"),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport", "ParserChecks"]),
        .testTarget(name: "LMTPDTests", dependencies: ["LMTPD", "Store", "TestSupport", "roost"]),
        .testTarget(name: "IMAPDTests", dependencies: ["IMAPD", "Store", "TestSupport", "roost"]),
        .testTarget(name: "POPDTests", dependencies: ["POPD", "Store", "TestSupport", "roost", .product(name: "NIOCore", package: "swift-nio")]),
        // Real clients and Postfix against a real server; scripts/test installs them.
        .testTarget(name: "IntegrationTests", dependencies: ["Store", "TestSupport", "roost"]),
        .testTarget(name: "RoostCLITests", dependencies: ["roost", "Store", "TestSupport"]),
        // The server killed mid-work and a full disk: what users were told stays true.
        .testTarget(name: "ReliabilityTests", dependencies: ["roost", "TestSupport"]),
    ]
)
