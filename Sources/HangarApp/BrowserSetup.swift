import Foundation
import HangarAgents
import HangarBlobs
import HangarBrowser
import HangarCapture
import HangarCore
import HangarRuntime
import HangarServer
import Logging

/// The parts browser agents share in one process, from the settings:
///
/// - the blob store (`blobs`: `<data-dir>/blobs` by default, or an S3 bucket) that step
///   screenshots go to;
/// - the capture (`capture`; datasets in `<data-dir>/mds` by default);
/// - in a process with workers, the persistent sessions (`browser.max_sessions`,
///   `browser.session_idle_timeout`). Chromium is `browser.chrome_path` or found on `PATH`,
///   and only launched when a task needs it; its egress proxy refuses private networks unless
///   `security.allow_private_networks`;
/// - the policy for the browser URLs requests name (the same setting) and the operator's
///   named environments (`browser.environments`).
enum BrowserSetup {
    static func services(configuration: ProcessConfiguration, keepsSessions: Bool, logger: Logger) -> BrowserServices {
        let settings = configuration.browser
        let allowPrivateNetworks = configuration.security.policy.network.allowPrivateNetworks
        let blobLogger = Logger(label: "hangar.blobs")
        let blobs = FaultRecordingBlobStore(
            configuration.blobs.makeStore(httpClient: client, logger: blobLogger), logger: blobLogger,
            onEpisode: { kind, active in HangarMetrics.shared.blobFault(kind: kind, active: active) })
        let capture = CaptureManager(
            configuration: configuration.capture, blobs: blobs, httpClient: client,
            logger: Logger(label: "hangar.capture"), started: { HangarMetrics.shared.captureEpisodeStarted() })
        let policy = BrowserPolicy(allowPrivateNetworks: allowPrivateNetworks, environments: settings.environments)
        var sessions: BrowserSessionRegistry?
        if keepsSessions {
            sessions = BrowserSessionRegistry(
                maxSessions: settings.maxSessions, defaultIdleTimeout: TimeInterval(settings.sessionIdleTimeout),
                factory: environmentFactory(policy, chromePath: settings.chromePath))
        }
        return BrowserServices(blobs: blobs, sessions: sessions, capture: capture, policy: policy, chromePath: settings.chromePath)
    }

    static func executor(catalog: ModelCatalog, services: BrowserServices) -> BrowserExecutor {
        BrowserExecutor(
            catalog: catalog,
            environments: StandardEnvironmentProvider(sessions: services.sessions, factory: environmentFactory(services.policy, chromePath: services.chromePath)),
            blobs: services.blobs, capture: services.capture, policy: services.policy)
    }

    /// Launched browsers, and the remote browsers tenants name, get the same private-network
    /// rule as tools, webhooks and the URLs a request names.
    private static func environmentFactory(_ policy: BrowserPolicy, chromePath: String?) -> BrowserEnvironmentFactory {
        StandardEnvironments.factory(
            allowPrivateNetworks: policy.network.allowPrivateNetworks, trustedEndpoints: policy.environments.endpointURLs, chromePath: chromePath,
            logger: Logger(label: "hangar.browser"))
    }

    /// Blob and S3 traffic: no redirects (a redirect could lead elsewhere with the signature).
    private static let client = ProviderConfiguration.makeHTTPClient(followRedirects: false)
}
