import Foundation
import Testing

@testable import WardenCore

/// Loads `yaml` as `warden.yml` with a controlled environment; returns the issues as printed lines.
private func issues(_ yaml: String, environment: [String: String] = [:]) -> [String] {
    do {
        _ = try ConfigurationLoader(secrets: SecretResolver(environment: environment)).load(yaml: yaml, file: "warden.yml")
        return []
    } catch {
        return error.issues.map(\.description)
    }
}

private func load(_ yaml: String, environment: [String: String] = [:]) throws -> WardenConfiguration {
    try ConfigurationLoader(secrets: SecretResolver(environment: environment)).load(yaml: yaml, file: "warden.yml")
}

@Suite struct ConfigurationLoaderTests {
    @Test func noFileAndEmptyFileMeanTheEmbeddedDefaults() throws {
        let none = try ConfigurationLoader().load(path: nil)
        #expect(none == WardenConfiguration())
        #expect(none.children.map(\.name) == ["engine", "api"])
        #expect(none.children[1].dependsOn == ["engine"])
        #expect(none.supervisor.listen == ListenAddress(host: "127.0.0.1", port: 9847))
        #expect(try load("") == WardenConfiguration())
        #expect(try load("# only a comment\n") == WardenConfiguration())
    }

    @Test func readsEveryChildKey() throws {
        let config = try load("""
            supervisor:
              listen: "[::1]:9999"
              max_restarts: 3
              restart_window: 2m
              backoff: {initial: 250ms, max: 10s, multiplier: 3, jitter: 0, reset_after: 1h30m}
            logging:
              level: debug
            children:
              - name: worker
                command: [/bin/sleep, "10"]
                args: ["--flag"]
                env: {MODE: paper}
                restart: on-failure
                start_timeout: 5s
                stop_timeout: 1500ms
                watchdog: 0s
                memory_limit: 256MiB
              - name: api
                depends_on: [worker]
            """)
        #expect(config.supervisor.listen == ListenAddress(host: "::1", port: 9999))
        #expect(config.supervisor.maxRestarts == 3)
        #expect(config.supervisor.restartWindow == .seconds(120))
        #expect(config.supervisor.backoff.initial == .milliseconds(250))
        #expect(config.supervisor.backoff.resetAfter == .seconds(5400))
        #expect(config.logging.level == .debug)
        let worker = config.children[0]
        #expect(worker.command == ["/bin/sleep", "10"])
        #expect(worker.args == ["--flag"])
        #expect(worker.env["MODE"]?.value == "paper")
        #expect(worker.restart == .onFailure)
        #expect(worker.startTimeout == .seconds(5))
        #expect(worker.stopTimeout == .milliseconds(1500))
        #expect(worker.watchdog == .zero)
        #expect(worker.memoryLimit == ByteSize(bytes: 256 << 20))
        #expect(config.children[1].dependsOn == ["worker"])
        #expect(config.children[1].command == nil)
    }

    @Test func brokenYAMLNamesTheLine() {
        let found = issues("supervisor:\n  listen: 127.0.0.1:1\n children: [\n")
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("warden.yml:3: YAML syntax error"))
    }

    @Test func duplicateKeysAreRefused() {
        let found = issues("logging:\n  level: info\nlogging:\n  level: debug\n")
        #expect(found.count == 1)
        #expect(found[0].contains("duplicate key 'logging'"))
    }

    @Test func wrongTypesNameKeyLineAndExpectation() {
        let found = issues("""
            supervisor:
              max_restarts: lots
              backoff:
                jitter: [1]
            logging:
              level: loud
            """)
        #expect(found == [
            "warden.yml:2: supervisor.max_restarts: expected an integer, found 'lots'",
            "warden.yml:4: supervisor.backoff.jitter: expected a number, found a list",
            "warden.yml:6: logging.level: expected one of trace, debug, info, notice, warning, error, critical, found 'loud'",
        ])
    }

    @Test func unknownKeysSuggestTheClosestKnownOne() {
        let found = issues("""
            supervisr:
              listen: 127.0.0.1:1
            children:
              - name: engine
                watchdg: 5s
                colour: blue
            """)
        #expect(found.contains("warden.yml:1: supervisr: unknown key 'supervisr'; did you mean 'supervisor'?"))
        #expect(found.contains("warden.yml:5: children[0].watchdg: unknown key 'watchdg'; did you mean 'watchdog'?"))
        #expect(found.contains { $0.hasPrefix("warden.yml:6: children[0].colour: unknown key 'colour'; expected one of: name, command") })
        #expect(found.count == 3)
    }

    @Test func everyErrorIsReportedNotJustTheFirst() {
        let found = issues("""
            supervisor:
              listen: nowhere
              restart_window: soon
              backoff: {multiplier: 0.5, jitter: 2}
            children:
              - name: engine
                restart: sometimes
                start_timeout: 0s
              - name: Bad Name
                command: [/bin/true]
              - name: api
                depends_on: [engnie]
            """)
        #expect(found.contains("warden.yml:2: supervisor.listen: expected HOST:PORT such as 127.0.0.1:9847, found 'nowhere'"))
        #expect(found.contains("warden.yml:3: supervisor.restart_window: expected a duration such as 500ms, 30s or 5m, found 'soon'"))
        #expect(found.contains("warden.yml:4: supervisor.backoff.multiplier: must be 1 or more"))
        #expect(found.contains("warden.yml:4: supervisor.backoff.jitter: must be between 0 and 1"))
        #expect(found.contains("warden.yml:7: children[0].restart: expected one of always, on-failure, never, found 'sometimes'"))
        #expect(found.contains("warden.yml:8: children[0].start_timeout: must be greater than 0s"))
        #expect(found.contains { $0.hasPrefix("warden.yml:9: children[1].name: 'Bad Name' is not a valid child name") })
        #expect(found.contains(
            "warden.yml:12: children[2].depends_on: children[2] depends on 'engnie', which is not a configured child; did you mean 'engine'?"))
        #expect(found.count == 8)
    }

    @Test func dependencyCyclesAndDuplicatesAreRefused() {
        let cycle = issues("""
            children:
              - {name: engine, depends_on: [api]}
              - {name: api, depends_on: [engine]}
            """)
        #expect(cycle == ["warden.yml:1: children: dependency cycle: engine → api → engine"])
        let duplicate = issues("children:\n  - name: engine\n  - name: engine\n")
        #expect(duplicate == ["warden.yml:3: children[1].name: duplicate child name 'engine'"])
    }

    @Test func aChildWithoutCommandMustBeABuiltinRole() {
        #expect(issues("children:\n  - name: backtester\n") == [
            "warden.yml:2: children[0].name: child 'backtester' has no command and is not a built-in role (api, engine); set command",
        ])
    }

    @Test func sectionOfTheWrongShape() {
        #expect(issues("supervisor: 5\n") == ["warden.yml:1: supervisor: expected a mapping, found '5'"])
        #expect(issues("- a\n- b\n") == ["warden.yml:1: expected a mapping, found a list"])
        #expect(issues("children:\n  - just-a-name\n").first?.hasPrefix("warden.yml:2: children[0]: expected a mapping") == true)
    }

    @Test func secretsResolveFromEnvironmentFileAndCredentials() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-secrets-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "from-file\n".write(to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try "from-credential".write(to: directory.appendingPathComponent("bingx"), atomically: true, encoding: .utf8)

        let config = try load("""
            children:
              - name: engine
                env:
                  A: ${env:WARDEN_TEST_SECRET}
                  B: ${file:\(directory.path)/token}
                  C: ${credential:bingx}
                  D: plain
            """, environment: ["WARDEN_TEST_SECRET": "from-env", "CREDENTIALS_DIRECTORY": directory.path])
        let env = config.children[0].env
        #expect(env["A"]?.value == "from-env")
        #expect(env["B"]?.value == "from-file")
        #expect(env["C"]?.value == "from-credential")
        #expect(env["D"]?.value == "plain")
        // A resolved secret never prints its value.
        #expect("\(env["A"]!)" == "<secret ${env:WARDEN_TEST_SECRET}>")
        #expect(!"\(config)".contains("from-env"))
    }

    @Test func aMissingSecretNamesTheKey() {
        let found = issues("""
            children:
              - name: engine
                env:
                  KEY: ${file:/nonexistent/warden/key}
                  TOKEN: ${env:WARDEN_UNSET_VARIABLE}
                  CRED: ${credential:exchange}
                  ODD: ${vault:secret/x}
            """)
        #expect(found == [
            "warden.yml:4: children[0].env.KEY: cannot read secret file /nonexistent/warden/key (from ${file:/nonexistent/warden/key}): no such file",
            "warden.yml:5: children[0].env.TOKEN: environment variable WARDEN_UNSET_VARIABLE is not set (from ${env:WARDEN_UNSET_VARIABLE})",
            "warden.yml:6: children[0].env.CRED: ${credential:exchange} needs systemd credentials, but CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit)",
            "warden.yml:7: children[0].env.ODD: unknown secret source 'vault'; use ${env:NAME}, ${file:PATH} or ${credential:NAME}",
        ].sorted())
    }

    @Test func anUnreadableFileIsOneIssue() {
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader().load(path: "/nonexistent/warden.yml") }
        do {
            _ = try ConfigurationLoader().load(path: "/nonexistent/warden.yml")
        } catch {
            #expect(error.issues.map(\.description) == ["/nonexistent/warden.yml: cannot read configuration file: no such file"])
        }
    }
}
