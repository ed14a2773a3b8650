import Testing
@testable import WardenCore

@Suite("reports: the scheduled reports' settings")
struct ReportSettingsTests {
    func load(_ yaml: String) throws -> WardenConfiguration {
        try ConfigurationLoader(secrets: SecretResolver(environment: [:])).load(yaml: yaml, file: "warden.yml")
    }

    func problems(_ yaml: String) -> [String] {
        do {
            _ = try ConfigurationLoader(secrets: SecretResolver(environment: [:])).load(yaml: yaml, file: "warden.yml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test("without a section nothing is sent; a section sends the daily PDF hourly unless told otherwise")
    func defaults() throws {
        #expect(try load("{}").reports == nil)
        let settings = try #require(try load("reports: {receivers: [desk]}").reports)
        #expect(settings == ReportSettings(periods: ["daily"], receivers: ["desk"], format: .pdf, interval: .seconds(3600)))
        let off = try #require(try load("reports: {receivers: [desk], periods: [weekly, monthly], format: xlsx, interval: \"off\"}").reports)
        #expect(off.interval == nil && off.periods == ["weekly", "monthly"] && off.format == .xlsx)
    }

    @Test("every bad value is reported with its line and key")
    func badValues() {
        let found = problems("""
            reports:
              periods: [daily, yearly]
              format: docx
              interval: 10s
              receivers: []
              recievers: [desk]
            """)
        #expect(found.contains { $0.hasPrefix("warden.yml:2: reports.periods: expected daily, weekly or monthly, found 'yearly'") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("warden.yml:3: reports.format: expected one of pdf, html, xlsx, csv, found 'docx'") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("warden.yml:4: reports.interval: expected a duration of at least 1m") }, "\(found)")
        #expect(found.contains { $0.contains("reports.receivers: name at least one receiver") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("warden.yml:6: reports.recievers: unknown key 'recievers'; did you mean 'receivers'?") }, "\(found)")
    }
}
