import Foundation
import Testing

@testable import WardenCore

/// `warden.yml` + `warden.<env>.yml`: merged key by key, problems named in the file they are in,
/// each environment's guards checked on the merged result.
@Suite struct EnvironmentOverlayTests {
    /// A directory with `warden.yml` and, for each (env, text), `warden.<env>.yml`.
    func files(_ base: String, overlays: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("overlay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try base.write(to: directory.appendingPathComponent("warden.yml"), atomically: true, encoding: .utf8)
        for (environment, text) in overlays {
            try text.write(to: directory.appendingPathComponent("warden.\(environment).yml"), atomically: true, encoding: .utf8)
        }
        return directory.appendingPathComponent("warden.yml").path
    }

    func issues(_ path: String, _ environment: String?, secrets: [String: String] = [:]) -> [String] {
        do {
            _ = try ConfigurationLoader(secrets: SecretResolver(environment: secrets)).load(path: path, environment: environment)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    static let base = """
        supervisor:
          listen: 127.0.0.1:9847
          max_restarts: 3
        engine:
          symbol: BTC-USDT
          exchange: {starting_balance: 5000, fee_rate: 0.001}
        """

    @Test("mappings merge key by key; the overlay wins; the environment is recorded")
    func merges() throws {
        let path = try files(Self.base, overlays: ["staging": """
            supervisor:
              listen: 127.0.0.1:9900
            engine:
              exchange: {fee_rate: 0.002}
            """])
        let merged = try ConfigurationLoader().load(path: path, environment: "staging")
        #expect(merged.supervisor.listen.port == 9900)
        #expect(merged.supervisor.maxRestarts == 3)  // kept from warden.yml
        #expect(merged.engine.exchange.feeRate == 0.002)
        #expect(merged.engine.exchange.startingBalance == 5000)  // a sibling kept
        #expect(merged.environment == "staging")
        let plain = try ConfigurationLoader().load(path: path, environment: nil)
        #expect(plain.supervisor.listen.port == 9847 && plain.environment == nil)
    }

    @Test("lists are replaced whole, not appended to")
    func listsReplace() throws {
        let path = try files(Self.base + "\nchildren:\n  - {name: a, command: [/bin/true]}\n  - {name: b, command: [/bin/true]}\n",
                             overlays: ["dev": "children:\n  - {name: c, command: [/bin/true]}\n"])
        #expect(try ConfigurationLoader().load(path: path, environment: "dev").children.map(\.name) == ["c"])
    }

    @Test("a problem in the overlay names the overlay's file and line; one in warden.yml names warden.yml")
    func attribution() throws {
        let path = try files(Self.base.replacingOccurrences(of: "max_restarts: 3", with: "max_restarts: -1"),
                             overlays: ["dev": "# dev\nengine:\n  exchange:\n    fee_rate: 0.9\n"])
        let found = issues(path, "dev")
        let overlay = path.replacingOccurrences(of: "warden.yml", with: "warden.dev.yml")
        #expect(found.contains { $0.hasPrefix("\(overlay):4: engine.exchange.fee_rate:") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("\(path):3: supervisor.max_restarts:") }, "\(found)")
    }

    @Test("an unknown environment, a missing overlay, and --env without a file are clear errors")
    func badSelection() throws {
        let path = try files(Self.base, overlays: [:])
        #expect(issues(path, "prdo").first?.contains("unknown environment 'prdo' (--env or WARDEN_ENV): expected one of dev, staging, prod; did you mean 'prod'?") == true)
        #expect(issues(path, "prod").first?.contains("warden.prod.yml: environment 'prod' is selected but its overlay does not exist") == true)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader().load(path: nil, environment: "dev") }
        // An empty overlay is valid.
        let empty = try files(Self.base, overlays: ["dev": ""])
        #expect(try ConfigurationLoader().load(path: empty, environment: "dev").environment == "dev")
    }

    @Test("prod refuses the paper exchange, demo keys and replayed candles, naming where each is set")
    func prodGuards() throws {
        let path = try files(Self.base, overlays: ["prod": "supervisor: {max_restarts: 5}\n"])
        let found = issues(path, "prod")
        #expect(found.contains { $0.contains("engine.exchange.kind: environment prod: refuses the paper exchange (a dry run)") }, "\(found)")
        #expect(found.contains { $0.contains("engine.market_data.source: environment prod: refuses replayed candles") }, "\(found)")
        let demo = try files(Self.base, overlays: ["prod": """
            engine:
              market_data: {source: bingx}
              exchange: {kind: bingx, market: swap, demo: true, api_key: "${env:K}", secret_key: "${env:S}"}
            """])
        let demoIssues = issues(demo, "prod", secrets: ["K": "key", "S": "secret"])
        #expect(demoIssues.count == 1 && demoIssues[0].contains("warden.prod.yml:3: engine.exchange.demo: environment prod: refuses BingX demo keys"), "\(demoIssues)")
        let live = demo.replacingOccurrences(of: "warden.yml", with: "warden.prod.yml")
        try String(contentsOfFile: live, encoding: .utf8).replacingOccurrences(of: "demo: true", with: "demo: false").write(toFile: live, atomically: true, encoding: .utf8)
        #expect(issues(demo, "prod", secrets: ["K": "key", "S": "secret"]) == [])
    }

    @Test("dev and staging refuse live keys, wherever they were set")
    func liveKeysRefused() throws {
        let live = Self.base.replacingOccurrences(
            of: "exchange: {starting_balance: 5000, fee_rate: 0.001}", with: "exchange: {kind: bingx, market: swap, api_key: \"${env:K}\", secret_key: \"${env:S}\"}")
        let path = try files(live, overlays: ["dev": "", "staging": "engine: {exchange: {demo: true}}\n"])
        let dev = issues(path, "dev", secrets: ["K": "key", "S": "secret"])
        #expect(dev.count == 1 && dev[0].contains("engine.exchange.demo: environment dev: refuses live BingX keys"), "\(dev)")
        #expect(dev[0].hasPrefix(path + ":"))  // the keys are in warden.yml
        #expect(issues(path, "staging", secrets: ["K": "key", "S": "secret"]) == [])  // the overlay makes them demo keys
    }

    @Test("BingX keys are secrets: in clear, missing or on the paper exchange, each is an error")
    func exchangeKeys() throws {
        func check(_ exchange: String) -> [String] {
            do {
                _ = try ConfigurationLoader(secrets: SecretResolver(environment: ["K": "key"])).load(yaml: "engine:\n  exchange: \(exchange)\n", file: "warden.yml")
                return []
            } catch { return error.issues.map(\.description) }
        }
        #expect(check("{kind: bingx, api_key: abc, secret_key: \"${env:K}\"}") == [
            "warden.yml:2: engine.exchange.api_key: a key must not be written in clear: use ${file:PATH}, ${env:NAME} or ${credential:NAME}"])
        #expect(check("{kind: bingx, api_key: \"${env:K}\"}").first?.contains("kind: bingx needs secret_key") == true)
        #expect(check("{api_key: \"${env:K}\"}").first?.contains("keys are for kind: bingx") == true)
        #expect(check("{kind: binance}").first?.contains("expected paper or bingx, found 'binance'") == true)
        #expect(check("{kind: bingx, market: futures, api_key: \"${env:K}\", secret_key: \"${env:K}\"}").first?.contains("expected spot or swap") == true)
        #expect(check("{kind: bingx, recv_window: 2m, api_key: \"${env:K}\", secret_key: \"${env:K}\"}").first?.contains("expected 1ms to 60s, found 2m") == true)
        #expect(check("{kind: bingx, base_url: open-api.bingx.com, api_key: \"${env:K}\", secret_key: \"${env:K}\"}").first?.contains("expected a URL starting with http:// or https://") == true)
        #expect(check("{kind: bingx, demo: true, api_key: \"${env:K}\", secret_key: \"${env:K}\"}").first?.contains("BingX's demo (VST) is for perpetual swap only") == true)
    }
}
