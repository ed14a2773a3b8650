import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import WardenCore

/// Uploads archives to S3-compatible storage (path-style addressing): one PUT up to the part
/// size, multipart upload above it (aborted on failure so no orphaned parts are billed).
struct S3Client: Sendable {
    let settings: S3Settings
    var timeout: Duration = .seconds(300)

    var signer: SigV4 {
        SigV4(accessKeyID: settings.accessKeyID.value, secretAccessKey: settings.secretAccessKey.value, region: settings.region)
    }

    func objectKey(_ name: String) -> String { settings.prefix + name }

    func url(_ name: String) -> String { "s3://\(settings.bucket)/\(objectKey(name))" }

    /// Uploads `path` as object `name`; returns its s3:// location.
    func upload(file path: String, as name: String) async throws -> String {
        let size = Int((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue ?? 0)
        let partSize = Int(settings.partSize.bytes)
        let source = try FileSource(path: path)
        defer { source.close() }
        if size <= partSize {
            let body = try source.read(exactly: max(size, 0))
            _ = try await send("PUT", name, body: body)
            return url(name)
        }
        let created = try await send("POST", name, query: [("uploads", "")], body: [])
        guard let uploadID = Self.element("UploadId", in: created.body) else {
            throw BackupError.failed(url(name), "S3 did not return an UploadId for the multipart upload")
        }
        do {
            var parts: [(Int, String)] = []
            var number = 1
            while true {
                let chunk = try source.read(exactly: partSize)
                if chunk.isEmpty { break }
                let reply = try await send("PUT", name, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: chunk)
                guard let etag = reply.etag else { throw BackupError.failed(url(name), "S3 returned no ETag for part \(number)") }
                parts.append((number, etag))
                number += 1
            }
            let manifest = "<CompleteMultipartUpload>"
                + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\($0.1)</ETag></Part>" }.joined()
                + "</CompleteMultipartUpload>"
            let completed = try await send("POST", name, query: [("uploadId", uploadID)], body: Array(manifest.utf8))
            // S3 can answer 200 with an error document when completion fails late.
            if let code = Self.element("Code", in: completed.body) {
                throw BackupError.failed(url(name), "completing the multipart upload failed: \(code)")
            }
            return url(name)
        } catch {
            _ = try? await send("DELETE", name, query: [("uploadId", uploadID)], body: [])
            throw error
        }
    }

    func delete(_ name: String) async throws {
        _ = try await send("DELETE", name, body: [])
    }

    struct Reply {
        var status: UInt
        var body: String
        var etag: String?
    }

    private func send(_ method: String, _ name: String, query: [(String, String)] = [], body: [UInt8]) async throws -> Reply {
        guard let endpoint = URLComponents(string: settings.endpoint), let host = endpoint.host else {
            throw BackupError.failed(settings.endpoint, "backup.s3.endpoint is not a URL")
        }
        let basePath = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
        let path = "\(basePath)/\(settings.bucket)/\(objectKey(name))"
        let hostHeader = endpoint.port.map { "\(host):\($0)" } ?? host
        let payloadHash = SigV4.hex(SHA256.hash(data: body))
        let signed = signer.sign(
            method: method, path: path, query: query, headers: ["host": hostHeader], payloadSHA256: payloadHash, date: Date())
        let queryText = query.map { $0.1.isEmpty ? SigV4.encode($0.0) : "\(SigV4.encode($0.0))=\(SigV4.encode($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(
            url: "\(endpoint.scheme ?? "https")://\(hostHeader)\(SigV4.encode(path, keepSlash: true))\(queryText.isEmpty ? "" : "?" + queryText)")
        request.method = .init(rawValue: method)
        for (header, value) in signed { request.headers.add(name: header, value: value) }
        request.headers.add(name: "content-length", value: String(body.count))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let text: String
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            throw BackupError.failed(url(name), "S3 \(method) failed: \(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let code = Self.element("Code", in: text) ?? "HTTP \(response.status.code)"
            let message = Self.element("Message", in: text).map { ": \($0)" } ?? ""
            throw BackupError.failed(url(name), "S3 refused \(method) (\(response.status.code) \(code)\(message))")
        }
        return Reply(status: response.status.code, body: text, etag: response.headers.first(name: "etag"))
    }

    /// The text of the first `<name>` element (S3's XML replies are flat enough for this).
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else {
            return nil
        }
        return String(xml[open.upperBound..<close.lowerBound])
    }
}
