import Foundation
import Testing
@testable import Alerting

@Suite struct ChannelTests {
    func notification(summary: String, status: String = "firing") -> AlertNotification {
        let item = AlertNotification.Item(status: status, labels: ["alertname": "Down", "instance": "a"], annotations: ["summary": summary],
                                     startsAt: 1_700_000_000_000, endsAt: status == "firing" ? nil : 1_700_000_060_000, fingerprint: "f", value: 1)
        return AlertNotification(kind: .notify, receiver: "r", integration: "r/x[0]", groupKey: "{}:{alertname=\"Down\"}", status: status,
                            groupLabels: ["alertname": "Down"], commonLabels: item.labels, commonAnnotations: item.annotations, alerts: [item],
                            externalURL: "", createdAt: 1_700_000_000_000)
    }

    func integration(_ kind: Integration.Kind, _ settings: [String: String]) -> Integration {
        Integration(kind: kind, id: "r/\(kind.rawValue)[0]", sendResolved: true, settings: settings, templates: [:])
    }

    func json(_ request: ChannelRequest) throws -> [String: Any] {
        guard case .http(let spec) = request else { throw PromQLError("not HTTP") }
        return try JSONSerialization.jsonObject(with: Data(spec.body)) as! [String: Any]
    }

    @Test func telegramIsCutCleanlyAt4096Characters() throws {
        let long = String(repeating: "é<b>", count: 3000)
        let body = try json(ChannelRequests.build(notification(summary: long), integration(.telegram, ["bot_token": "t", "chat_id": "42"])))
        let text = body["text"] as! String
        #expect(text.count == 4096 && text.hasSuffix("…"))
        #expect(text.contains("é&lt;b&gt;"), "HTML mode escapes the alert's text")
        #expect(body["chat_id"] as? Int == 42)
    }

    @Test func twilioIsFormEncodedWithBasicAuthAndAtMost1600Characters() throws {
        let request = try ChannelRequests.build(notification(summary: String(repeating: "x", count: 5000)),
                                                integration(.sms, ["account_sid": "AC1", "auth_token": "tok", "from": "+1", "to": "+2 3"]))
        guard case .http(let spec) = request else { Issue.record("not HTTP"); return }
        #expect(spec.url == "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json")
        #expect(spec.headers.contains { $0 == ("Authorization", "Basic " + Data("AC1:tok".utf8).base64EncodedString()) })
        let form = String(decoding: spec.body, as: UTF8.self)
        #expect(form.hasPrefix("To=%2B2+3&From=%2B1&Body="))
        let body = form.components(separatedBy: "Body=")[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding!
        #expect(body.count == 1600 && body.hasSuffix("…"))
    }

    @Test func pagerDutyTriggerAndResolveShareTheGroupsDedupKey() throws {
        let pd = integration(.pagerduty, ["routing_key": "k"])
        let trigger = try json(ChannelRequests.build(notification(summary: "down"), pd))
        let resolve = try json(ChannelRequests.build(notification(summary: "down", status: "resolved"), pd))
        #expect(trigger["event_action"] as? String == "trigger" && resolve["event_action"] as? String == "resolve")
        #expect(trigger["dedup_key"] as? String == resolve["dedup_key"] as? String)
        #expect((trigger["payload"] as? [String: Any])?["severity"] as? String == "error")
        #expect(resolve["payload"] == nil, "resolve events carry no payload")
    }

    @Test func webhookVersion4WithMaxAlerts() throws {
        var note = notification(summary: "a")
        note.alerts += [note.alerts[0], note.alerts[0]]
        let body = try json(ChannelRequests.build(note, integration(.webhook, ["url": "http://h/", "max_alerts": "1"])))
        #expect(body["version"] as? String == "4")
        #expect((body["alerts"] as? [Any])?.count == 1 && body["truncatedAlerts"] as? Int == 2)
        let alert = (body["alerts"] as! [[String: Any]])[0]
        #expect(alert["startsAt"] as? String == "2023-11-14T22:13:20.000Z" && alert["endsAt"] as? String == "0001-01-01T00:00:00Z")
    }

    @Test func emailHeadersCannotBeInjected() {
        let note = notification(summary: "x")
        var mail = integration(.email, ["to": "a@b.c", "from": "w@b.c", "smarthost": "h:587"])
        mail.templates["header.Subject"] = try! Template("{{ .CommonLabels.alertname }}\r\nBcc: evil@x", notification: true)
        guard case .email(let message) = try! ChannelRequests.build(note, mail) else { Issue.record("not email"); return }
        #expect(message.url == "smtp://h:587" && message.requireTLS)
        #expect(message.message.contains("Subject: Down  Bcc: evil@x\r\n"))
        #expect(!message.message.contains("\r\nBcc:"))
    }

    @Test func retryAfterInHeadersAndBodies() {
        #expect(Deliverer.retryAfter("120") == 120_000)
        #expect(Deliverer.retryAfter("junk") == nil)
        #expect(Deliverer.retryAfterInBody(#"{"ok":false,"error_code":429,"parameters":{"retry_after":7}}"#) == 7000)
        #expect(Deliverer.retryAfterInBody(#"{"message":"rate limited","retry_after":1.5}"#) == 1500)
    }
}
