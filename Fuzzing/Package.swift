// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for Roost's parsers; `./run` builds them with the fuzzer and
// AddressSanitizer and runs each over its corpus (see the README's Testing section).
let package = Package(
    name: "RoostFuzzing",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Roost", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // What every fuzzer shares: cutting the input into reads, checking reply lines.
        .target(name: "FuzzSupport"),
        .executableTarget(name: "IMAPCommandFuzzer", dependencies: [
            "FuzzSupport", .product(name: "IMAPD", package: "Roost"), .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(name: "SearchFuzzer", dependencies: [
            "FuzzSupport", .product(name: "IMAPD", package: "Roost"), .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(name: "MIMEFuzzer", dependencies: [
            .product(name: "Store", package: "Roost"), .product(name: "ParserChecks", package: "Roost"),
        ]),
        .executableTarget(name: "POP3CommandFuzzer", dependencies: [
            "FuzzSupport", .product(name: "POPD", package: "Roost"), .product(name: "ServerCore", package: "Roost"),
            .product(name: "Store", package: "Roost"), .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(name: "LMTPCommandFuzzer", dependencies: [
            "FuzzSupport", .product(name: "LMTPD", package: "Roost"), .product(name: "ServerCore", package: "Roost"),
            .product(name: "Store", package: "Roost"), .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .executableTarget(name: "MailboxNameFuzzer", dependencies: [
            "FuzzSupport", .product(name: "Store", package: "Roost"),
        ]),
    ]
)
