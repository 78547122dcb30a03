// swift-tools-version: 6.1
// Benchmarks live in their own package so that building and testing the server never
// builds the benchmark machinery. Run from this folder: swift package benchmark
import PackageDescription

let package = Package(
    name: "RoostBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Roost", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchmarkFixtures",
            dependencies: [.product(name: "Store", package: "Roost")],
            path: "Benchmarks/BenchmarkFixtures"
        ),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "Store", package: "Roost"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/StoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "IMAPBenchmarks",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "Store", package: "Roost"),
                .product(name: "IMAPD", package: "Roost"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/IMAPBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
