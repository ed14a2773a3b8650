import Foundation
import Testing
import WardenCore
import Yams
@testable import Alerting

/// Alertmanager's grouping, timing, deduplication, inhibition, silences and time intervals, on an
/// injected clock (milliseconds).
@Suite struct DispatcherTests {
    static func config(_ yaml: String) throws -> AlertingConfig {
        let walker = YAMLWalker(file: "warden.yml")
        let root = try #require(try Yams.compose(yaml: yaml))
        let config = AlertingConfig.parse(root["alerting"]!, walker: walker, secrets: SecretResolver(environment: [:]), directory: "/")
        #expect(walker.issues.isEmpty, "\(walker.issues)")
        return config
    }

    static let routing = """
        alerting:
          route:
            receiver: team
            group_by: [alertname]
            group_wait: 30s
            group_interval: 5m
            repeat_interval: 4h
            routes:
              - matchers: ['severity="page"']
                receiver: pager
                continue: true
              - matchers: ['team=~"db|storage"']
                receiver: db
          inhibit_rules:
            - source_matchers: ['severity="page"']
              target_matchers: ['severity="warning"']
              equal: [instance]
          receivers:
            - name: team
              webhook_configs: [{url: "http://team.example/hook"}]
            - name: pager
              pagerduty_configs: [{routing_key: abc}]
            - name: db
              slack_configs: [{api_url: "https://hooks.slack.example/x"}]
        """

    func alert(_ labels: [String: String], _ state: Alert.State = .firing, at time: Int64 = 0) -> Alert {
        Alert(labels: Labels(labels), annotations: [:], value: 1, state: state, activeAt: time, firedAt: state == .pending ? nil : time,
              resolvedAt: state == .inactive ? time : nil)
    }

    @Test func routesFollowMatchersAndContinue() throws {
        let config = try Self.config(Self.routing)
        let receivers = { (labels: [String: String]) in config.route.match(Labels(labels)).map(\.receiver) }
        #expect(receivers(["alertname": "A", "severity": "page", "team": "db"]) == ["pager", "db"])
        #expect(receivers(["alertname": "A", "team": "storage"]) == ["db"])
        #expect(receivers(["alertname": "A", "team": "web"]) == ["team"])
    }

    @Test func groupWaitThenGroupIntervalThenRepeatInterval() throws {
        var dispatcher = Dispatcher(config: try Self.config(Self.routing))
        let first = alert(["alertname": "Disk", "instance": "a"], at: 0)
        dispatcher.update([first], now: 0)
        #expect(dispatcher.flush(now: 29_999, silences: [], acknowledged: []).notifications.isEmpty, "group_wait not over")
        let sent = dispatcher.flush(now: 30_000, silences: [], acknowledged: []).notifications
        #expect(sent.map(\.integration) == ["team/webhook_configs[0]"])
        #expect(sent.first?.alerts.map(\.fingerprint) == [first.fingerprint])

        // A second alert joins the group: it waits for the group_interval, not a new group_wait.
        let second = alert(["alertname": "Disk", "instance": "b"], at: 60_000)
        dispatcher.update([first, second], now: 60_000)
        #expect(dispatcher.flush(now: 60_000, silences: [], acknowledged: []).notifications.isEmpty)
        #expect(dispatcher.flush(now: 330_000, silences: [], acknowledged: []).notifications.first?.alerts.count == 2)

        // Nothing new: no repeat until 4 h after the last notification.
        #expect(dispatcher.flush(now: 630_000, silences: [], acknowledged: []).notifications.isEmpty)
        #expect(dispatcher.flush(now: 330_000 + 4 * 3_600_000 - 300_000, silences: [], acknowledged: []).notifications.isEmpty)
        #expect(dispatcher.flush(now: 330_000 + 4 * 3_600_000 + 300_000, silences: [], acknowledged: []).notifications.count == 1)
    }

    @Test func acknowledgedAlertsAreNotRepeatedButNewOnesStillPage() throws {
        var dispatcher = Dispatcher(config: try Self.config(Self.routing))
        let first = alert(["alertname": "Disk", "instance": "a"])
        dispatcher.update([first], now: 0)
        _ = dispatcher.flush(now: 30_000, silences: [], acknowledged: [])
        let later: Int64 = 30_000 + 5 * 3_600_000
        #expect(dispatcher.flush(now: later, silences: [], acknowledged: [first.fingerprint]).notifications.isEmpty)
        let second = alert(["alertname": "Disk", "instance": "b"], at: later)
        dispatcher.update([first, second], now: later)
        #expect(dispatcher.flush(now: later + 300_000, silences: [], acknowledged: [first.fingerprint]).notifications.count == 1)
    }

    @Test func resolvedAlertsGoOnlyToChannelsThatSendThem() throws {
        var dispatcher = Dispatcher(config: try Self.config(Self.routing))
        let paging = alert(["alertname": "Down", "severity": "page", "team": "db"])
        dispatcher.update([paging], now: 0)
        #expect(Set(dispatcher.flush(now: 30_000, silences: [], acknowledged: []).notifications.map(\.integration))
                == ["pager/pagerduty_configs[0]", "db/slack_configs[0]"])
        var resolved = paging
        resolved.state = .inactive
        resolved.resolvedAt = 100_000
        dispatcher.update([resolved], now: 100_000)
        let notes = dispatcher.flush(now: 330_000, silences: [], acknowledged: []).notifications
        // PagerDuty sends resolved by default (a resolve event); Slack does not.
        #expect(notes.map(\.integration) == ["pager/pagerduty_configs[0]"])
        #expect(notes.first?.status == "resolved")
        #expect(dispatcher.groupCount == 0, "a group whose alerts all resolved and were flushed ends")
    }

    @Test func silencesAndInhibitionMute() throws {
        var dispatcher = Dispatcher(config: try Self.config(Self.routing))
        let page = alert(["alertname": "Down", "severity": "page", "instance": "a"])
        let warning = alert(["alertname": "Slow", "severity": "warning", "instance": "a"])
        let other = alert(["alertname": "Slow2", "severity": "warning", "instance": "b"])
        dispatcher.update([page, warning, other], now: 0)
        let silence = Silence(id: "s", matchers: ["alertname=Down"], startsAt: 0, endsAt: 60_000, createdBy: "t", comment: "")
        let notes = dispatcher.flush(now: 30_000, silences: [silence], acknowledged: []).notifications
        let names = Set(notes.flatMap { $0.alerts.compactMap { $0.labels["alertname"] } })
        // Down is silenced; Slow on the same instance is inhibited by it; Slow2 goes out.
        #expect(names == ["Slow2"])
    }

    @Test func muteTimeIntervals() throws {
        let yaml = """
            alerting:
              time_intervals:
                - name: nights
                  time_intervals: [{times: [{start_time: "22:00", end_time: "24:00"}], weekdays: ["monday:friday"]}]
              route:
                receiver: team
                group_wait: 0s
                routes:
                  - {receiver: team, matchers: ['severity="info"'], mute_time_intervals: [nights], group_wait: 0s}
              receivers:
                - name: team
                  webhook_configs: [{url: "http://team.example/hook"}]
            """
        let config = try Self.config(yaml)
        let monday2300: Int64 = 1_795_474_800_000  // 2026-11-23 23:00 UTC
        let tuesday0900: Int64 = 1_795_510_800_000  // 2026-11-24 09:00 UTC
        var dispatcher = Dispatcher(config: config)
        dispatcher.update([alert(["alertname": "Info", "severity": "info"], at: monday2300)], now: monday2300)
        #expect(dispatcher.flush(now: monday2300, silences: [], acknowledged: []).notifications.isEmpty, "muted at 23:00 on a weekday")
        dispatcher.update([alert(["alertname": "Info", "severity": "info"], at: monday2300)], now: tuesday0900)
        #expect(dispatcher.flush(now: tuesday0900, silences: [], acknowledged: []).notifications.count == 1, "sent in the morning")
    }
}
