import Foundation
import Testing
@testable import Backup

@Suite("AWS Signature Version 4")
struct SigV4Tests {
    /// The worked example "GET Object" from the S3 API reference (sig-v4-header-based-auth),
    /// with its published signature.
    @Test("reproduces AWS's published GET Object example")
    func awsExample() {
        let signer = SigV4(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        let headers = signer.sign(
            method: "GET", path: "/test.txt", query: [], headers: ["Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9"],
            payloadSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            date: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(headers["authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test("percent-encodes everything but unreserved characters, keeping slashes in paths")
    func encoding() {
        #expect(SigV4.encode("a b/c~d*é") == "a%20b%2Fc~d%2A%C3%A9")
        #expect(SigV4.encode("/bucket/warden/x y.wbk", keepSlash: true) == "/bucket/warden/x%20y.wbk")
    }
}
