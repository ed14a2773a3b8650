import Alerting
import ArgumentParser
import Foundation
import Logging
import Storage
import WardenCore

private func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Alerts of Warden's own rules: list the firing and pending ones, acknowledge one.",
        subcommands: [List.self, Ack.self, Outbox.self], defaultSubcommand: List.self)

    struct Outbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The newest notifications in the outbox: channel, state (pending, sending, sent, dead), attempts and the last error.")
        @Option(help: "How many rows, newest first.") var limit = 50
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        struct Row: Encodable {
            var id: Int64, integration: String, state: String, attempts: Int, lastError: String?, createdAt: Int64, sentAt: Int64?
            enum CodingKeys: String, CodingKey {
                case id, integration, state, attempts
                case lastError = "last_error", createdAt = "created_at", sentAt = "sent_at"
            }
        }

        func run() async throws {
            guard limit > 0 else { throw fail(WardenError(.usage, "--limit must be at least 1")) }
            let (location, _) = try await options.migratedDatabase()
            let limit = limit
            let rows = try await AlertingSetup.withStore(location) { try await $0.outbox(limit: limit) }.map {
                Row(id: $0.id, integration: $0.integration, state: $0.state, attempts: $0.attempts, lastError: $0.lastError, createdAt: $0.createdAt, sentAt: $0.sentAt)
            }
            if json { try printJSON(rows); return }
            if rows.isEmpty { print("the outbox is empty") }
            for row in rows {
                print("\(row.id)  \(row.state.uppercased())  \(row.integration)  attempts \(row.attempts)  queued \(formatTime(row.createdAt))\(row.lastError.map { "  last_error: \($0)" } ?? "")")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Firing and pending alerts with their labels, since when, and value.")
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Include resolved alerts (history).") var all = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let (location, _) = try await options.migratedDatabase()
            let states = all ? ["firing", "pending", "resolved"] : ["firing", "pending"]
            let alerts = try await AlertingSetup.withStore(location) { try await $0.alerts(states: states) }
            if json { try printJSON(alerts); return }
            if alerts.isEmpty { print("no \(all ? "" : "firing or pending ")alerts") }
            for alert in alerts {
                let labels = alert.labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                var line = "\(alert.id)  \(alert.state.uppercased())  \(alert.name)  {\(labels)}  since \(formatTime(alert.firedAt ?? alert.startsAt))"
                if let value = alert.value { line += "  value \(value)" }
                if let by = alert.ackedBy { line += "  acked by \(by)" }
                print(line)
                if let summary = alert.annotations["summary"] { print("    \(summary)") }
            }
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Acknowledge a firing alert: recorded with who and why, stops its repeats, and acknowledges its PagerDuty incident.")
        @Argument(help: "The alert's id, as `warden alerts` shows it.") var id: Int64
        @Option(help: "Who acknowledges.") var by: String
        @Option(help: "Why, or what is being done.") var comment: String?
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let (location, _) = try await options.migratedDatabase()
            let setup = try AlertingSetup.load(configPath: options.configPath)
            let time = nowMilliseconds()
            let (by, comment, id) = (by, comment, id)
            let acknowledged = try await AlertingSetup.withStore(location) { store -> StoredAlert? in
                guard let alert = try await store.acknowledge(id, by: by, comment: comment, at: time) else { return nil }
                try await store.enqueue(OperatorNotices.make(for: alert, config: setup.config, at: time), at: time)
                return alert
            }
            guard let acknowledged else { throw fail(WardenError(.usage, "no firing alert with id \(id) (see `warden alerts`)")) }
            print("acknowledged alert \(acknowledged.id) (\(acknowledged.name)) by \(by)")
        }
    }
}

struct SilenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence", abstract: "Silence alerts by matchers for a while, list silences, end one early.",
        subcommands: [Add.self, List.self, Expire.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Silence alerts matching every MATCHER (name=value, name!=value, name=~regex, name!~regex).")
        @Argument(help: "Label matchers, as Alertmanager writes them.") var matchers: [String]
        @Option(name: .customLong("for"), help: "How long, e.g. 2h or 30m.") var duration: String
        @Option(help: "Why.") var comment: String
        @Option(help: "Who (default: $USER).") var by: String?
        @OptionGroup var options: CommonOptions

        func run() async throws {
            for matcher in matchers {
                do { _ = try Silence.validate(matcher) } catch { throw fail(WardenError(.usage, "\(error)", location: matcher)) }
            }
            guard let length = DurationText.parse(duration), length > .zero else {
                throw fail(WardenError(.usage, "expected a duration such as 2h or 30m, found '\(duration)'", location: "--for"))
            }
            let (location, _) = try await options.migratedDatabase()
            let time = nowMilliseconds()
            let silence = Silence(
                id: UUID().uuidString.lowercased(), matchers: matchers, startsAt: time, endsAt: time + length.nanoseconds / 1_000_000,
                createdBy: by ?? ProcessInfo.processInfo.environment["USER"] ?? "operator", comment: comment)
            try await AlertingSetup.withStore(location) { try await $0.addSilence(silence, at: time) }
            print(silence.id)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Active silences (with --all, expired ones too).")
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Include expired silences.") var all = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let (location, _) = try await options.migratedDatabase()
            let time = nowMilliseconds()
            let all = all
            let silences = try await AlertingSetup.withStore(location) { try await $0.silences(activeAt: all ? nil : time) }
            if json { try printJSON(silences); return }
            if silences.isEmpty { print("no \(all ? "" : "active ")silences") }
            for silence in silences {
                let state = silence.isActive(at: time) ? "active" : silence.endsAt <= time ? "expired" : "pending"
                print("\(silence.id)  \(state)  \(silence.matchers.joined(separator: " "))  until \(formatTime(silence.endsAt))  by \(silence.createdBy): \(silence.comment)")
            }
        }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a silence now.")
        @Argument(help: "The silence's id (or a unique prefix).") var id: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let (location, _) = try await options.migratedDatabase()
            let id = id
            let expired = try await AlertingSetup.withStore(location) { try await $0.expireSilence(id, at: nowMilliseconds()) }
            guard expired else { throw fail(WardenError(.usage, "no active silence has the id (or unique prefix) '\(id)'")) }
            print("expired \(id)")
        }
    }
}

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify", abstract: "Canary notifications, and failing channels failed over (the notifications-failing runbook).",
        subcommands: [Test.self, Canary.self, Failover.self])

    struct Canary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the running supervisor to send a test notification through each failing channel; exit 1 if one still fails.",
            discussion: "A channel that answers gets its circuit closed and its waiting notifications sent now.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let report = try await withClient(options) { try await $0.canaryNotifications() }
            if json { try printJSON(report) } else {
                if report.results.isEmpty { print("no channel is failing") }
                for result in report.results { print("\(result.integration): \(result.delivered ? "" : "FAILED: ")\(result.detail)") }
            }
            if report.results.contains(where: { !$0.delivered }) { throw ExitCode(1) }
        }
    }

    struct Failover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send each failing channel's notifications to the next working receiver of its route; exit 1 if one has nowhere to go.",
            discussion: """
                The chain is the route's `failover` receivers, then the root route's receiver; a critical alert then tries every \
                receiver. It lasts until a delivery through the channel works again (its circuit's trial call or a canary).
                """)
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let report = try await withClient(options) { try await $0.failOverNotifications() }
            if json { try printJSON(report) } else {
                if report.moves.isEmpty { print("no channel is failing") }
                for move in report.moves { print("\(move.integration): \(move.to.map { "failed over to \($0)" } ?? "FAILED: no receiver in its chain works")") }
            }
            if report.moves.contains(where: { $0.to == nil }) { throw ExitCode(1) }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test notification through every channel of RECEIVER now; exit 1 if one fails.",
            discussion: "The attempt is recorded in the outbox history like any notification.")
        @Argument(help: "A receiver name from alerting.receivers.") var receiver: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let setup = try AlertingSetup.load(configPath: options.configPath)
            guard let receiver = setup.config.receivers[receiver] else {
                let known = setup.config.receivers.keys.sorted().joined(separator: ", ")
                throw fail(WardenError(.usage, "no receiver '\(self.receiver)' in alerting.receivers (known: \(known.isEmpty ? "none" : known))"))
            }
            let (location, _) = try await options.migratedDatabase()
            let time = nowMilliseconds()
            var failed = false
            for integration in receiver.integrations {
                let notice = OperatorNotices.test(receiver: receiver.name, integration: integration, at: time)
                let outcome = await Deliverer().send(try ChannelRequests.build(notice, integration))
                switch outcome {
                case .delivered(let status): print("\(integration.id): delivered (\(status))")
                case .retry(_, let reason), .permanent(let reason):
                    print("\(integration.id): FAILED: \(reason)")
                    failed = true
                }
                let reason: String? = switch outcome {
                case .delivered: nil
                case .retry(_, let text), .permanent(let text): text
                }
                try await AlertingSetup.withStore(location) { try await $0.recordAttempt(notice, error: reason, at: nowMilliseconds()) }
            }
            if receiver.integrations.isEmpty { print("\(receiver.name) has no channels") }
            if failed { throw ExitCode(1) }
        }
    }
}
