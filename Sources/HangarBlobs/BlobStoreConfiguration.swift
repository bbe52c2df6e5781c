public import AsyncHTTPClient
public import Foundation
import HangarCore
public import Logging

/// Which blob store the process uses, read from the environment:
///
/// - `HANGAR_S3_BUCKET` set → S3 (`HANGAR_S3_ENDPOINT`, `HANGAR_S3_PREFIX`, `HANGAR_S3_REGION`,
///   credentials as `S3Credentials.fromEnvironment` reads them; `HANGAR_S3_TIMEOUT` seconds per
///   attempt, default 300, and `HANGAR_S3_MAX_ATTEMPTS`, default 5);
/// - otherwise a local directory, `HANGAR_BLOB_DIR` (default `./hangar-data/blobs`).
public enum BlobStoreConfiguration: Sendable, Hashable {
    case local(URL)
    case s3(S3Configuration, bucket: String, prefix: String)

    public static let defaultDirectory = "./hangar-data/blobs"

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> BlobStoreConfiguration {
        guard let bucket = nonEmpty(env["HANGAR_S3_BUCKET"]) else {
            let dir = nonEmpty(env["HANGAR_BLOB_DIR"]) ?? defaultDirectory
            return .local(URL(fileURLWithPath: dir, isDirectory: true))
        }
        let region = nonEmpty(env["HANGAR_S3_REGION"]) ?? nonEmpty(env["AWS_REGION"]) ?? "us-east-1"
        let endpoint = try endpointURL(env["HANGAR_S3_ENDPOINT"], variable: "HANGAR_S3_ENDPOINT", region: region)
        let credentials = try S3Credentials.fromEnvironment(env)
        var retry = S3RetryPolicy()
        if let attempts = try positiveInt(env, "HANGAR_S3_MAX_ATTEMPTS") { retry.maxAttempts = attempts }
        if let seconds = try positiveInt(env, "HANGAR_S3_TIMEOUT") { retry.requestTimeout = .seconds(seconds) }
        return .s3(
            S3Configuration(endpoint: endpoint, region: region, credentials: credentials, retry: retry), bucket: bucket,
            prefix: env["HANGAR_S3_PREFIX"] ?? "")
    }

    public func makeStore(httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "hangar.blobs")) -> any BlobStore {
        switch self {
        case .local(let url): return LocalBlobStore(root: url)
        case .s3(let configuration, let bucket, let prefix):
            return S3BlobStore(client: S3Client(configuration: configuration, httpClient: httpClient, logger: logger), bucket: bucket, prefix: prefix)
        }
    }

    static func positiveInt(_ env: [String: String], _ name: String) throws -> Int? {
        guard let text = nonEmpty(env[name]) else { return nil }
        guard let value = Int(text), value > 0 else { throw HangarError.invalid(field: name, message: "'\(text)' is not a positive whole number") }
        return value
    }

    /// An `http(s)://host[:port]` URL, or AWS's regional endpoint when unset.
    public static func endpointURL(_ text: String?, variable: String, region: String) throws -> URL {
        guard let text = nonEmpty(text) else {
            guard let url = S3Configuration.awsEndpoint(region: region) else {
                throw HangarError.invalid(field: variable, message: "no endpoint and region '\(region)' gives no AWS endpoint")
            }
            return url
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw HangarError.invalid(field: variable, message: "'\(text)' is not an http(s) URL")
        }
        return url
    }
}

extension S3Credentials {
    /// Reads, first found wins: `HANGAR_S3_ACCESS_KEY_ID` / `HANGAR_S3_SECRET_ACCESS_KEY` /
    /// `HANGAR_S3_SESSION_TOKEN`, then the standard `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`
    /// / `AWS_SESSION_TOKEN`. Each also as `NAME_FILE`: a path whose content is the value (for
    /// secrets mounted as files). `prefixes` lets a subsystem put its own names first.
    public static func fromEnvironment(_ env: [String: String], prefixes: [String] = ["HANGAR_S3_"]) throws -> S3Credentials {
        let namespaces = prefixes + ["AWS_"]
        func lookup(_ suffix: String) throws -> (value: String, variable: String)? {
            for namespace in namespaces {
                let name = namespace + suffix
                if let value = try EnvironmentSecret.value(env, name) { return (value, name) }
            }
            return nil
        }
        let id = try lookup("ACCESS_KEY_ID")
        let secret = try lookup("SECRET_ACCESS_KEY")
        guard let id, let secret else {
            let missing = id == nil ? "ACCESS_KEY_ID" : "SECRET_ACCESS_KEY"
            throw HangarError.invalid(
                field: namespaces.map { $0 + missing }.joined(separator: "|"), message: "S3 credentials are not set (nor as *_FILE)")
        }
        return S3Credentials(accessKeyID: id.value, secretAccessKey: secret.value, sessionToken: try lookup("SESSION_TOKEN")?.value)
    }
}

public enum EnvironmentSecret {
    /// `NAME`, else the content of the file named by `NAME_FILE` (surrounding whitespace trimmed).
    public static func value(_ env: [String: String], _ name: String) throws -> String? {
        if let value = nonEmpty(env[name]) { return value }
        guard let path = nonEmpty(env[name + "_FILE"]) else { return nil }
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw HangarError.invalid(field: name + "_FILE", message: "file '\(path)' is empty") }
            return text
        } catch let error as HangarError {
            throw error
        } catch {
            throw HangarError.invalid(field: name + "_FILE", message: "cannot read '\(path)': \(error.localizedDescription)")
        }
    }
}

func nonEmpty(_ text: String?) -> String? {
    guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
    return text
}
