import Foundation
import HangarAgents
import HangarBlobs
import HangarBrowser
import HangarCapture
import HangarCore
import HangarRuntime
import HangarServer
import Logging

/// The parts browser agents share in one process, from the environment:
///
/// - the blob store (`HANGAR_BLOB_DIR`, default `<data-dir>/blobs`, or S3 with
///   `HANGAR_S3_ENDPOINT` / `HANGAR_S3_BUCKET` …) that step screenshots go to;
/// - the capture (`CAPTURE_*`; datasets in `CAPTURE_OUT`, default `<data-dir>/mds`);
/// - on `serve`, the persistent sessions (`HANGAR_BROWSER_MAX_SESSIONS`, default 8;
///   `HANGAR_BROWSER_SESSION_IDLE_TIMEOUT` seconds, default 900). Chromium is found through
///   `HANGAR_CHROME_PATH`, `CHROME_PATH` or `PATH`, and only launched when a task needs it;
///   its egress proxy refuses private networks unless `HANGAR_ALLOW_PRIVATE_NETWORKS=true`;
/// - the policy for the browser URLs requests name (the same setting) and the operator's
///   named environments (`HANGAR_BROWSER_ENVIRONMENTS`, JSON or `@file`).
enum BrowserSetup {
    static func services(dataDirectory: String, keepsSessions: Bool, logger: Logger) throws -> BrowserServices {
        var environment = ProcessInfo.processInfo.environment
        let data = URL(fileURLWithPath: dataDirectory, isDirectory: true)
        if environment["HANGAR_BLOB_DIR"]?.isEmpty ?? true {
            environment["HANGAR_BLOB_DIR"] = data.appendingPathComponent("blobs").path
        }
        if environment["CAPTURE_OUT"]?.isEmpty ?? true {
            environment["CAPTURE_OUT"] = data.appendingPathComponent("mds").path
        }
        let blobLogger = Logger(label: "hangar.blobs")
        let blobs = FaultRecordingBlobStore(
            try BlobStoreConfiguration.fromEnvironment(environment).makeStore(httpClient: client, logger: blobLogger), logger: blobLogger,
            onEpisode: { kind, active in HangarMetrics.shared.blobFault(kind: kind, active: active) })
        let capture = CaptureManager(
            configuration: try CaptureConfiguration.fromEnvironment(environment), blobs: blobs, httpClient: client,
            logger: Logger(label: "hangar.capture"))
        let policy = BrowserPolicy(
            allowPrivateNetworks: try securityPolicyFromEnvironment().network.allowPrivateNetworks,
            environments: try Environment.string("HANGAR_BROWSER_ENVIRONMENTS").map { try NamedEnvironments.parse($0) } ?? NamedEnvironments())
        var sessions: BrowserSessionRegistry?
        if keepsSessions {
            sessions = BrowserSessionRegistry(
                maxSessions: try Environment.int("HANGAR_BROWSER_MAX_SESSIONS") ?? 8,
                defaultIdleTimeout: TimeInterval(try Environment.int("HANGAR_BROWSER_SESSION_IDLE_TIMEOUT") ?? 900),
                factory: environmentFactory(policy))
        }
        return BrowserServices(blobs: blobs, sessions: sessions, capture: capture, policy: policy)
    }

    static func executor(catalog: ModelCatalog, services: BrowserServices) -> BrowserExecutor {
        BrowserExecutor(
            catalog: catalog,
            environments: StandardEnvironmentProvider(sessions: services.sessions, factory: environmentFactory(services.policy)),
            blobs: services.blobs, capture: services.capture, policy: services.policy)
    }

    /// Launched browsers, and the remote browsers tenants name, get the same private-network
    /// rule as tools, webhooks and the URLs a request names.
    private static func environmentFactory(_ policy: BrowserPolicy) -> BrowserEnvironmentFactory {
        StandardEnvironments.factory(
            allowPrivateNetworks: policy.network.allowPrivateNetworks, trustedEndpoints: policy.environments.endpointURLs,
            logger: Logger(label: "hangar.browser"))
    }

    /// Blob and S3 traffic: no redirects (a redirect could lead elsewhere with the signature).
    private static let client = ProviderConfiguration.makeHTTPClient(followRedirects: false)
}
