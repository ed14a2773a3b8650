import AsyncHTTPClient
import CSMTP
import Foundation
import NIOCore
import NIOHTTP1

/// How one delivery attempt ended.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered(status: Int)
    /// Worth retrying: a 429 (with the service's wait, in milliseconds, when it says one), a 5xx,
    /// a timeout or a refused connection.
    case retry(after: Int64?, reason: String)
    /// Retrying cannot help: another 4xx, a rejected login, a recipient refused.
    case permanent(reason: String)
}

/// Sends channel requests: HTTP through AsyncHTTPClient, email through libcurl.
public struct Deliverer: Sendable {
    public var timeout: Duration

    public init(timeout: Duration = .seconds(10)) { self.timeout = timeout }

    /// One client for every channel: a refused or unreachable connection fails within 3 s
    /// instead of being retried until the request's deadline.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(3), read: .seconds(10))))

    public func send(_ request: ChannelRequest) async -> DeliveryOutcome {
        switch request {
        case .http(let spec): return await http(spec)
        case .email(let message): return await email(message)
        }
    }

    func http(_ spec: HTTPRequestSpec) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: spec.url)
        request.method = HTTPMethod(rawValue: spec.method)
        for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: spec.body))
        do {
            let response = try await Self.client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let body = try await response.body.collect(upTo: 64 * 1024)
            let text = String(buffer: body)
            let status = Int(response.status.code)
            switch status {
            case 200..<300: return .delivered(status: status)
            case 429:
                let wait = Self.retryAfter(response.headers.first(name: "Retry-After")) ?? Self.retryAfterInBody(text)
                return .retry(after: wait, reason: "HTTP 429 Too Many Requests\(wait.map { " (retry after \($0) ms)" } ?? "")")
            case 400..<500: return .permanent(reason: "HTTP \(status): \(Self.snippet(text))")
            default: return .retry(after: nil, reason: "HTTP \(status): \(Self.snippet(text))")
            }
        } catch {
            return .retry(after: nil, reason: "\(Self.redact(spec.url)): \(error)")
        }
    }

    /// `Retry-After: 120` or an HTTP date, in milliseconds from now.
    static func retryAfter(_ header: String?) -> Int64? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header), seconds >= 0 { return Int64(seconds * 1000) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return max(0, Int64(date.timeIntervalSinceNow * 1000))
    }

    /// Telegram's `parameters.retry_after` and Discord's `retry_after` (seconds).
    static func retryAfterInBody(_ text: String) -> Int64? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        let value = (object["parameters"] as? [String: Any])?["retry_after"] ?? object["retry_after"]
        return (value as? NSNumber).map { Int64($0.doubleValue * 1000) }
    }

    static func snippet(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count > 200 ? String(flat.prefix(200)) + "…" : flat
    }

    /// A URL without its secret parts (tokens in Telegram's path, Slack's and Discord's webhook paths).
    static func redact(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "request" }
        return "\(components.scheme ?? "http")://\(host)\(components.port.map { ":\($0)" } ?? "")/…"
    }

    func email(_ message: EmailMessage) async -> DeliveryOutcome {
        let seconds = max(1, Int(timeout.seconds))
        return await withCheckedContinuation { continuation in
            // libcurl blocks; it gets its own thread rather than a cooperative-pool thread.
            Thread.detachNewThread {
                continuation.resume(returning: Self.sendMail(message, timeoutSeconds: seconds))
            }
        }
    }

    static func sendMail(_ message: EmailMessage, timeoutSeconds: Int) -> DeliveryOutcome {
        guard !message.recipients.isEmpty else { return .permanent(reason: "email: no recipients in 'to'") }
        var code = 0
        var errorText = [CChar](repeating: 0, count: 512)
        let bytes = Array(message.message.utf8)
        let result: Int32 = message.url.withCString { url in
            message.from.withCString { from in
                withCStrings(message.recipients) { recipients in
                    optionalCString(message.caFile) { caFile in
                    optionalCString(message.username) { username in
                        optionalCString(message.password) { password in
                            bytes.withUnsafeBufferPointer { body in
                                body.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { text in
                                    var request = warden_smtp_request(
                                        url: url, from: from, recipients: recipients, recipient_count: message.recipients.count,
                                        message: text, message_length: bytes.count, username: username, password: password,
                                        ca_file: caFile, insecure: message.insecureSkipVerify ? 1 : 0, tls_mode: message.url.hasPrefix("smtps://") ? 2 : message.requireTLS ? 1 : 0,
                                        timeout_seconds: timeoutSeconds)
                                    return warden_smtp_send(&request, &code, &errorText, errorText.count)
                                }
                            }
                        }
                    }
                    }
                }
            }
        }
        if result == 0 { return .delivered(status: code) }
        let server = message.url.split(separator: "/").dropFirst(1).first.map(String.init) ?? "server"
        let reason = "\(message.url.hasPrefix("smtps") ? "SMTPS" : "SMTP") \(server): \(String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))\(code > 0 ? " (reply \(code))" : "")"
        // 67 login denied, 64 TLS required but refused, 55/56 with a 5xx reply: the server said no.
        if result == 67 || result == 64 || (500..<600).contains(code) { return .permanent(reason: reason) }
        return .retry(after: nil, reason: reason)
    }
}

private func optionalCString<T>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer<CChar>($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
