import Foundation
import Testing
import WardenCore
import Yams
@testable import Alerting

/// Where a failing channel's notifications go: the route's `failover` receivers, then the root's
/// receiver, then (a page only) any receiver with a working channel.
@Suite struct FailoverTests {
    static let yaml = """
        alerting:
          route:
            receiver: ops
            failover: [email]
            routes:
              - matchers: ['team="db"']
                receiver: db
                failover: [sms, email]
              - matchers: ['team="web"']
                receiver: web
          receivers:
            - name: ops
              webhook_configs: [{url: "http://ops.example/hook"}]
            - name: db
              slack_configs: [{api_url: "http://slack.example/T/B/x"}]
            - name: web
              webhook_configs: [{url: "http://web.example/hook"}]
            - name: email
              email_configs: [{to: a@example.org, from: w@example.org, smarthost: "smtp.example:25"}]
            - name: sms
              webhook_configs: [{url: "http://sms.example/1"}, {url: "http://sms.example/2"}]
            - name: spare
              webhook_configs: [{url: "http://spare.example/hook"}]
        """

    func notification(_ labels: [String: String], config: AlertingConfig) -> AlertNotification {
        let route = config.route.match(Labels(labels))[0]
        let item = AlertNotification.Item(status: "firing", labels: labels, annotations: [:], startsAt: 0, endsAt: nil, fingerprint: "f", value: nil)
        let receiver = config.receivers[route.receiver]!
        return AlertNotification(
            kind: .notify, receiver: receiver.name, integration: receiver.integrations[0].id, groupKey: route.groupKey(Labels(labels)), status: "firing",
            groupLabels: [:], commonLabels: labels, commonAnnotations: [:], alerts: [item], externalURL: "", createdAt: 1)
    }

    @Test("a child route's own failover list comes first, then the root's receiver")
    func childChain() throws {
        let config = try DispatcherTests.config(Self.yaml)
        let db = notification(["alertname": "A", "team": "db"], config: config)
        #expect(db.receiver == "db")
        #expect(Failover.chain(for: db, config: config) == ["sms", "email", "ops"])
    }

    @Test("a child route without one inherits its parent's")
    func inherited() throws {
        let config = try DispatcherTests.config(Self.yaml)
        #expect(Failover.chain(for: notification(["alertname": "A", "team": "web"], config: config), config: config) == ["email", "ops"])
        // The root's own notifications skip themselves.
        #expect(Failover.chain(for: notification(["alertname": "A"], config: config), config: config) == ["email"])
    }

    @Test("a page may go through any receiver, after the chain, never twice")
    func critical() throws {
        let config = try DispatcherTests.config(Self.yaml)
        let page = notification(["alertname": "A", "team": "web", "severity": "critical"], config: config)
        #expect(Failover.chain(for: page, config: config) == ["email", "ops", "db", "sms", "spare"])
    }

    @Test("the first receiver with a healthy channel takes it, all its healthy channels")
    func targets() throws {
        let config = try DispatcherTests.config(Self.yaml)
        let db = notification(["alertname": "A", "team": "db"], config: config)
        let unhealthy: Set<String> = ["sms/webhook_configs[1]", "email/email_configs[0]"]
        let target = try #require(Failover.targets(for: db, config: config) { !unhealthy.contains($0) })
        #expect(target.receiver == "sms")
        #expect(target.integrations.map(\.id) == ["sms/webhook_configs[0]"])
        let none = Failover.targets(for: db, config: config) { _ in false }
        #expect(none == nil)
    }

    @Test("the copy is addressed to its new channel, says where it was meant to go, and has its own idempotency key")
    func readdress() throws {
        let config = try DispatcherTests.config(Self.yaml)
        let original = notification(["alertname": "A", "team": "db"], config: config)
        let copy = Failover.readdress(original, to: "sms", config.receivers["sms"]!.integrations[0])
        #expect(copy.receiver == "sms" && copy.integration == "sms/webhook_configs[0]")
        #expect(copy.commonAnnotations["failover_from"] == "db/slack_configs[0]")
        #expect(copy.groupKey == original.groupKey && copy.alerts == original.alerts)
        #expect(copy.idempotencyKey != original.idempotencyKey)
    }

    @Test("an unknown receiver in failover is an error naming it and where")
    func unknownReceiver() throws {
        let walker = YAMLWalker(file: "warden.yml")
        let root = try #require(try Yams.compose(yaml: Self.yaml.replacingOccurrences(of: "failover: [email]", with: "failover: [emial]")))
        _ = AlertingConfig.parse(root["alerting"]!, walker: walker, secrets: SecretResolver(environment: [:]), directory: "/")
        let messages = walker.issues.map(\.description)
        #expect(messages.contains { $0.contains("undefined receiver 'emial' in failover; did you mean 'email'?") && $0.contains("alerting.route.failover[0]") }, "\(messages)")
    }
}
