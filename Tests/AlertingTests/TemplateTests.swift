import Testing
@testable import Alerting

/// Prometheus' template functions print numbers as Go does.
@Suite struct TemplateTests {
    func render(_ text: String, value: Double, labels: [String: String] = [:]) throws -> String {
        try Template(text).render(Template.Data(labels: labels, value: value))
    }

    @Test(arguments: [
        (1234567.0, "1.235M"), (0.00123, "1.23m"), (0, "0"), (999, "999"), (1000, "1k"), (-2500, "-2.5k"),
    ])
    func humanize(_ value: Double, _ text: String) throws {
        #expect(try render("{{ $value | humanize }}", value: value) == text)
    }

    @Test(arguments: [(3725.0, "1h 2m 5s"), (90061, "1d 1h 1m 1s"), (42.5, "42.5s"), (0.25, "250ms"), (0, "0s")])
    func humanizeDuration(_ value: Double, _ text: String) throws {
        #expect(try render("{{ $value | humanizeDuration }}", value: value) == text)
    }

    @Test(arguments: [(1e6, "1e+06"), (100000, "100000"), (0.5, "0.5"), (12, "12"), (0.0001, "0.0001"), (0.00001, "1e-05"), (-3.25, "-3.25")])
    func valueAsGoPrintsIt(_ value: Double, _ text: String) throws {
        #expect(try render("{{ $value }}", value: value) == text)
    }

    @Test func labelsPrintfAndPercentages() throws {
        #expect(try render("{{ $labels.child }} at {{ printf \"%.2f\" $value }} ({{ $value | humanizePercentage }})", value: 0.1234, labels: ["child": "engine"])
            == "engine at 0.12 (12.34%)")
        #expect(try render("[{{- $labels.missing -}}]", value: 0) == "[]")
        #expect(throws: PromQLError.self) { try Template("{{ range $labels }}x{{ end }}") }
        #expect(throws: PromQLError.self) { try Template("{{ $value | humanise }}") }
    }
}
