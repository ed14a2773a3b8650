import Testing

@testable import WardenCore

@Suite struct ValueParsingTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h30m", .seconds(5400)),
        ("0", .zero), ("1.5s", .milliseconds(1500)), ("2d", .seconds(172_800)), ("250us", .microseconds(250)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "5", "s", "5 parsecs", "1h30", "-1s", "ms5"])
    func notDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func sizes() {
        #expect(ByteSize(parsing: "512MiB")?.bytes == 512 << 20)
        #expect(ByteSize(parsing: "2GiB")?.bytes == 2 << 30)
        #expect(ByteSize(parsing: "1500")?.bytes == 1500)
        #expect(ByteSize(parsing: "1.5KB")?.bytes == 1500)
        #expect(ByteSize(parsing: "lots") == nil)
        #expect(ByteSize(bytes: 512 << 20).description == "512MiB")
    }

    @Test func listenAddresses() {
        #expect(ListenAddress(parsing: "127.0.0.1:9847") == ListenAddress(host: "127.0.0.1", port: 9847))
        #expect(ListenAddress(parsing: "[::1]:80") == ListenAddress(host: "::1", port: 80))
        #expect(ListenAddress(parsing: "localhost") == nil)
        #expect(ListenAddress(parsing: "host:99999") == nil)
        #expect(ListenAddress(host: "::1", port: 80).description == "[::1]:80")
    }

    @Test func startOrderFollowsDependencies() {
        let children = [
            ChildSpec(name: "api", dependsOn: ["engine"]), ChildSpec(name: "engine", dependsOn: ["db"]),
            ChildSpec(name: "db"), ChildSpec(name: "other"),
        ]
        #expect(DependencyOrder.startOrder(children).map(\.name) == ["db", "engine", "api", "other"])
        #expect(DependencyOrder.cycle(in: children) == nil)
    }

    @Test func suggestionsAreOnlyForNearMisses() {
        #expect(DidYouMean.suggestion(for: "watchdg", among: ["watchdog", "name"]) == "watchdog")
        #expect(DidYouMean.suggestion(for: "stop_timoeut", among: ["stop_timeout", "start_timeout"]) == "stop_timeout")
        #expect(DidYouMean.suggestion(for: "colour", among: ["watchdog", "name"]) == nil)
    }
}
