public import HangarBlobs
public import HangarBrowser
public import HangarCapture
import HangarStore
import Hummingbird

/// What browser agents share with the API in one process: the blob store their screenshots
/// go to, the persistent sessions (`/api/v1/sessions`), and the training-data capture
/// (`/api/v1/capture/…`). Without it, those routes are not served.
public struct BrowserServices: Sendable {
    public var blobs: any BlobStore
    public var sessions: BrowserSessionRegistry?
    public var capture: CaptureManager?
    /// Where a request's browser URLs may point; the operator's named environments.
    public var policy: BrowserPolicy
    /// With a shared database: who owns each session, and how to reach the other processes.
    public var directory: SessionDirectory?
    /// The operator's Chromium (`browser.chrome_path`); `nil`: found on `PATH`.
    public var chromePath: String?

    public init(
        blobs: any BlobStore, sessions: BrowserSessionRegistry? = nil, capture: CaptureManager? = nil, policy: BrowserPolicy = BrowserPolicy(),
        directory: SessionDirectory? = nil, chromePath: String? = nil
    ) {
        self.chromePath = chromePath
        self.policy = policy
        self.blobs = blobs
        self.sessions = sessions
        self.capture = capture
        self.directory = directory
    }

    func addRoutes(to router: Router<HangarRequestContext>, store: any TaskStore, configuration: ServerConfiguration) {
        ScreenshotController(store: store, blobs: blobs).addRoutes(to: router)
        if sessions != nil || directory != nil {
            SessionController(sessions: sessions, directory: directory, policy: policy, configuration: configuration).addRoutes(to: router)
        }
        if let capture { CaptureController(capture: capture, sessions: sessions, configuration: configuration, directory: directory).addRoutes(to: router) }
    }
}
