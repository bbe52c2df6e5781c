import Foundation
import HangarCore
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running Chromium: its own process group (so its zygote, renderer and GPU children go
/// with it) and a temporary directory holding the profile and the log. `terminate()` — or
/// dropping the last reference — kills the group and removes the directory.
public final class ChromiumProcess: Sendable {
    public let pid: pid_t
    /// Holds `profile/` (the user-data-dir) and `chromium.log`.
    public let directory: String
    private let logger: Logger
    private let endpoint = Mutex<(port: Int, path: String)?>(nil)
    /// `exited`: the child was waited for; `cleaned`: the group was killed and the directory removed.
    private let lifecycle = Mutex((exited: false, cleaned: false))

    private init(pid: pid_t, directory: String, logger: Logger) {
        self.pid = pid
        self.directory = directory
        self.logger = logger
    }

    deinit {
        // Last line of defence when nobody called terminate(): no grace period here.
        cleanUp()
    }

    /// The browser-level WebSocket, known once DevTools is up.
    public var browserWebSocketURL: String? {
        endpoint.withLock { endpoint in endpoint.map { "ws://127.0.0.1:\($0.port)\($0.path)" } }
    }

    public var port: Int? { endpoint.withLock { $0?.port } }

    var logPath: String { directory + "/chromium.log" }

    static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/hangar-chromium-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw ChromiumLaunchError.spawnFailed(binary: "chromium", reason: "mkdtemp failed (errno \(errno))")
        }
        return String(cString: made)
    }

    static func spawn(binary: String, arguments: [String], directory: String, logger: Logger) throws -> ChromiumProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new process group (pgid = pid) so one kill(-pid) reaches every child; default
        // signal handling and an empty mask, whatever this process has blocked.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let log = directory + "/chromium.log"
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else crosses over: NIO's sockets are not close-on-exec, so without this the
        // browser would inherit this process's listeners (the API) and connections — including
        // other tenants' — and a socket we close would stay open in the browser.
        guard spawnCloseFrom(&actions, 3) == 0 else {
            try? FileManager.default.removeItem(atPath: directory)
            throw ChromiumLaunchError.spawnFailed(binary: binary, reason: "posix_spawn_file_actions_addclosefrom_np failed")
        }

        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, binary, &actions, &attributes, argv, envp)
        guard status == 0 else {
            try? FileManager.default.removeItem(atPath: directory)
            throw ChromiumLaunchError.spawnFailed(binary: binary, reason: String(cString: strerror(status)))
        }
        logger.debug("started Chromium", metadata: ["pid": "\(pid)", "dir": "\(directory)"])
        return ChromiumProcess(pid: pid, directory: directory, logger: logger)
    }

    /// Polls `DevToolsActivePort` (line 1: port, line 2: browser path) until Chromium writes it.
    func waitForDevTools(timeout: Duration) async throws {
        let file = directory + "/profile/DevToolsActivePort"
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                let lines = text.split(whereSeparator: \.isNewline)
                if lines.count >= 2, let port = Int(lines[0]), port > 0, lines[1].hasPrefix("/") {
                    endpoint.withLock { $0 = (port, String(lines[1])) }
                    return
                }
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                lifecycle.withLock { $0.exited = true }
                throw ChromiumLaunchError.exitedEarly(status: status, log: logTail())
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw ChromiumLaunchError.noDevToolsPort(seconds: timeout.seconds, log: logTail())
    }

    /// The end of Chromium's own log, for error messages.
    public func logTail(maxBytes: Int = 2000) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "(no log)" }
        return String(decoding: data.suffix(maxBytes), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops Chromium and removes the directory. Idempotent.
    ///
    /// Waits `grace` for an exit already under way (after `Browser.close`), then SIGTERMs the
    /// browser process alone for up to 1 s — so it shuts its children down and reaps them
    /// itself, instead of leaving zombies to an init that may never reap — and finally
    /// SIGKILLs whatever is left in the group.
    public func terminate(grace: Duration = .zero) async {
        let state = lifecycle.withLock { $0 }
        guard !state.cleaned else { return }
        if !state.exited, !(await waitForExit(within: grace)) {
            kill(pid, SIGTERM)
            _ = await waitForExit(within: .seconds(1))
        }
        cleanUp()
    }

    private func waitForExit(within duration: Duration) async -> Bool {
        let deadline = ContinuousClock.now + duration
        repeat {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result == -1 && errno == ECHILD) {
                lifecycle.withLock { $0.exited = true }
                return true
            }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        } while !Task.isCancelled
        return false
    }

    /// SIGKILL to the group, wait for the child, remove the directory. Runs once.
    private func cleanUp() {
        let state = lifecycle.withLock { state -> (exited: Bool, cleaned: Bool) in
            defer { state = (true, true) }
            return state
        }
        guard !state.cleaned else { return }
        // Children can outlive the parent in the group: always sweep the group.
        kill(-pid, SIGKILL)
        if !state.exited {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        try? FileManager.default.removeItem(atPath: directory)
        logger.debug("stopped Chromium", metadata: ["pid": "\(pid)"])
    }
}

#if os(Linux)
/// glibc's (2.34+) `posix_spawn_file_actions_addclosefrom_np`: the Glibc module does not export it.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: CInt) -> CInt
#else
/// Not a deployment target: Darwin would need POSIX_SPAWN_CLOEXEC_DEFAULT instead.
private func spawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: CInt) -> CInt { 0 }
#endif
