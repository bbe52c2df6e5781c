import AsyncHTTPClient
import Crypto
import Foundation
import NIOHTTP1
import Testing

@testable import HangarBlobs

/// Signature Version 4 against AWS's published example ("Create a signed request", IAM
/// `ListUsers`, 2015-08-30): every intermediate value is the documented one.
@Suite("SigV4 signing")
struct SigV4Tests {
    static let signer = SigV4Signer(
        credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "iam")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    @Test("the documented IAM GET example signs to the documented signature")
    func awsExample() {
        let signature = Self.signer.sign(
            method: "GET", path: "/", query: [("Version", "2010-05-08"), ("Action", "ListUsers")],
            headers: [
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Host": "iam.amazonaws.com",
                "X-Amz-Date": "20150830T123600Z",
            ],
            payloadHash: SigV4Signer.sha256Hex(Data()), date: Self.date)
        #expect(
            signature.canonicalRequest == """
                GET
                /
                Action=ListUsers&Version=2010-05-08
                content-type:application/x-www-form-urlencoded; charset=utf-8
                host:iam.amazonaws.com
                x-amz-date:20150830T123600Z

                content-type;host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            signature.stringToSign == """
                AWS4-HMAC-SHA256
                20150830T123600Z
                20150830/us-east-1/iam/aws4_request
                f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59
                """)
        #expect(signature.signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
        #expect(
            signature.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        )
    }

    @Test("the derived signing key is the documented one")
    func signingKey() {
        let key = Self.signer.signingKey(day: "20150830")
        let hex = key.withUnsafeBytes { SigV4Signer.hex(Array($0)) }
        #expect(hex == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    }

    @Test("URI encoding keeps only unreserved characters, and '/' in paths")
    func uriEncoding() {
        #expect(SigV4Signer.uriEncode("a b+c=d/é~") == "a%20b%2Bc%3Dd%2F%C3%A9~")
        #expect(SigV4Signer.uriEncode("dir/file name.zip", keepSlash: true) == "dir/file%20name.zip")
        #expect(SigV4Signer.canonicalQuery([("prefix", "a/b"), ("list-type", "2")]) == "list-type=2&prefix=a%2Fb")
        #expect(SigV4Signer.timestamps(Self.date) == ("20150830T123600Z", "20150830"))
    }

    @Test("S3 requests carry the signed host, date, payload hash and session token")
    func s3Request() throws {
        let s3 = S3Client(
            configuration: S3Configuration(
                endpoint: try #require(URL(string: "http://127.0.0.1:9000")), region: "eu-west-1",
                credentials: S3Credentials(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOKEN")))
        let request = try s3.makeRequest(
            method: .PUT, bucket: "bucket", key: "a b/c.zip", query: [], body: Data("x".utf8), headers: ["content-type": "application/zip"],
            date: Self.date)
        #expect(request.url == "http://127.0.0.1:9000/bucket/a%20b/c.zip")
        #expect(request.headers["host"] == ["127.0.0.1:9000"])
        #expect(request.headers["x-amz-security-token"] == ["TOKEN"])
        #expect(request.headers["x-amz-content-sha256"] == [SigV4Signer.sha256Hex(Data("x".utf8))])
        let authorization = try #require(request.headers["authorization"].first)
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AK/20150830/eu-west-1/s3/aws4_request, "))
        #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"))
    }
}
