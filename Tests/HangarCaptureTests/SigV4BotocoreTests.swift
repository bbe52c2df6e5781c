import AsyncHTTPClient
import Foundation
import HangarCore
import NIOHTTP1
import Testing

@testable import HangarBlobs

/// Our S3 requests signed exactly as botocore (the AWS SDK for Python, installed with moto)
/// signs them: moto does not check signatures, so this is what vouches for real S3.
@Suite("SigV4 against botocore")
struct SigV4BotocoreTests {
    static let script = """
        import datetime, json, sys
        import botocore.auth
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        spec = json.loads(sys.argv[1])
        fixed = datetime.datetime(2015, 8, 30, 12, 36, 0)
        botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed
        request = AWSRequest(method=spec["method"], url=spec["url"], data=bytes.fromhex(spec["body"]), headers=spec["headers"])
        S3SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", spec.get("token")), "s3", "eu-west-1").add_auth(request)
        print(request.headers["Authorization"])
        """

    @Test("PUT, GET, DELETE and ListObjectsV2 requests carry botocore's Authorization", arguments: [
        ("PUT", "my-bucket", "datasets/a b/shard.00000.mds.zstd", [] as [String], "payload", "token-1"),
        ("GET", "my-bucket", "frames/ü+=~.jpg", [], "", nil),
        ("DELETE", "my-bucket", "x", [], "", nil),
        ("GET", "my-bucket", nil, ["list-type=2", "prefix=a/b c", "continuation-token=1+/=="], "", nil),
    ] as [(String, String, String?, [String], String, String?)])
    func matchesBotocore(method: String, bucket: String, key: String?, query: [String], body: String, token: String?) async throws {
        guard let python = which("python3") else { throw CaptureTestError("python3 with botocore is needed: pip install 'moto[server]'") }
        let client = S3Client(
            configuration: S3Configuration(
                endpoint: try #require(URL(string: "http://127.0.0.1:9000")), region: "eu-west-1",
                credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: token)))
        let pairs = query.map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        let data = Data(body.utf8)
        let request = try client.makeRequest(
            method: HTTPMethod(rawValue: method), bucket: bucket, key: key, query: pairs, body: data,
            headers: method == "PUT" ? ["content-type": "application/octet-stream"] : [:], date: Date(timeIntervalSince1970: 1_440_938_160))
        var headers: [String: JSONValue] = [:]
        for header in request.headers where !["authorization", "content-length"].contains(header.name.lowercased()) {
            headers[header.name] = .string(header.value)
        }
        let spec: JSONValue = [
            "method": .string(method), "url": .string(request.url), "headers": .object(headers),
            "body": .string(data.map { String(format: "%02x", $0) }.joined()), "token": token.map { .string($0) } ?? .null,
        ]
        let result = try await run(python, ["-c", Self.script, JSONText.encode(spec)])
        guard result.status == 0 else { throw CaptureTestError("botocore signing failed (pip install 'moto[server]' brings botocore):\n\(result.stderr)") }
        let expected = String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(request.headers["authorization"].first == expected)
    }
}
