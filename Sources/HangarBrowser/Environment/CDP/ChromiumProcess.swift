import Foundation
import HangarErrorText
import HangarCore
import HangarTimers
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running Chromium: its own process group (so its zygote, renderer and GPU children go
/// with it), a temporary directory holding the profile and the log, the DevTools pipe, and the
/// egress proxy every one of its connections goes through. `terminate()` — or dropping the
/// last reference — kills the group, closes the pipe and the proxy, and removes the directory.
public final class ChromiumProcess: Sendable {
    public let pid: pid_t
    /// Holds `profile/` (the user-data-dir) and `chromium.log`.
    public let directory: String
    /// The SOCKS5 proxy the browser must use; nil only for processes spawned without one.
    public let proxy: EgressProxy?
    private let logger: Logger
    /// Our ends of the DevTools pipe until a connection takes them.
    private let pipe: Mutex<DevToolsPipe?>
    private let connectionSlot = Mutex<CDPConnection?>(nil)
    /// `exited`: the child was waited for; `cleaned`: the group was killed and the directory removed.
    /// `status`: the wait status once reaped (kept, so every caller learns the same one).
    private let lifecycle = Mutex((exited: false, cleaned: false, status: Int32(0)))

    private init(pid: pid_t, directory: String, pipe: DevToolsPipe, proxy: EgressProxy?, logger: Logger) {
        self.pid = pid
        self.directory = directory
        self.pipe = Mutex(pipe)
        self.proxy = proxy
        self.logger = logger
    }

    deinit {
        // Last line of defence when nobody called terminate(): no grace period here.
        cleanUp()
    }

    /// The browser-level DevTools connection over the pipe; set once `launch` returned.
    public var connection: CDPConnection? { connectionSlot.withLock { $0 } }

    var logPath: String { directory + "/chromium.log" }

    static func makeTemporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/hangar-chromium-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw ChromiumLaunchError.spawnFailed(binary: "chromium", reason: "mkdtemp failed (errno \(errno))")
        }
        return String(cString: made)
    }

    /// Starts `binary` with the DevTools pipe on fds 3 and 4. On failure nothing is left
    /// open: the pipe is closed and `directory` removed (the proxy stays the caller's).
    static func spawn(
        binary: String, arguments: [String], directory: String, proxy: EgressProxy?, logger: Logger
    ) throws -> ChromiumProcess {
        let pipe: DevToolsPipe
        do {
            pipe = try DevToolsPipe.make()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw ChromiumLaunchError.spawnFailed(binary: binary, reason: "cannot create the DevTools pipe: \(ErrorText.describe(error))")
        }
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
        // dup2 clears close-on-exec on the copies; every other pipe end closes at exec.
        posix_spawn_file_actions_adddup2(&actions, pipe.childReads, DevToolsPipe.childCommandDescriptor)
        posix_spawn_file_actions_adddup2(&actions, pipe.childWrites, DevToolsPipe.childMessageDescriptor)
        // Nothing else crosses over: NIO's sockets are not close-on-exec, so without this the
        // browser would inherit this process's listeners (the API, the egress proxies) and
        // connections — including other tenants'.
        guard spawnCloseFrom(&actions, DevToolsPipe.childMessageDescriptor + 1) == 0 else {
            pipe.closeChildEnds()
            pipe.closeParentEnds()
            try? FileManager.default.removeItem(atPath: directory)
            throw ChromiumLaunchError.spawnFailed(binary: binary, reason: "posix_spawn_file_actions_addclosefrom_np failed")
        }

        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, binary, &actions, &attributes, argv, envp)
        // The child has its copies (or never started): ours would hide its exit from the reader.
        pipe.closeChildEnds()
        guard status == 0 else {
            pipe.closeParentEnds()
            try? FileManager.default.removeItem(atPath: directory)
            throw ChromiumLaunchError.spawnFailed(binary: binary, reason: String(cString: strerror(status)))
        }
        logger.debug("started Chromium", metadata: ["pid": "\(pid)", "dir": "\(directory)"])
        return ChromiumProcess(pid: pid, directory: directory, pipe: pipe, proxy: proxy, logger: logger)
    }

    /// Opens the DevTools connection over the pipe. Chromium is ready when it answers
    /// `Browser.getVersion` within `startTimeout`; exiting first is `exitedEarly`.
    func connect(startTimeout: Duration, commandTimeout: Duration) async throws -> CDPConnection {
        guard let ends = pipe.withLock({ pipe in defer { pipe = nil }; return pipe }) else {
            throw ChromiumLaunchError.devToolsUnresponsive(seconds: 0, reason: "the DevTools pipe was already taken", log: "")
        }
        let connection = try await CDPConnection.overPipe(
            input: ends.parentReads, output: ends.parentWrites, commandTimeout: commandTimeout, logger: logger)
        connectionSlot.withLock { $0 = connection }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await connection.send("Browser.getVersion", timeout: startTimeout) }
                group.addTask { try await self.failOnExit() }
                defer { group.cancelAll() }
                try await group.next()
            }
            return connection
        } catch let error as ChromiumLaunchError {
            throw error
        } catch {
            // A closed pipe usually means the browser died: report its exit if it comes.
            if let status = await exitStatus(within: .seconds(1)) {
                throw ChromiumLaunchError.exitedEarly(status: status, log: logTail())
            }
            throw ChromiumLaunchError.devToolsUnresponsive(seconds: startTimeout.seconds, reason: ErrorText.describe(error), log: logTail())
        }
    }

    /// Throws `exitedEarly` when the browser exits; runs until cancelled otherwise. Polls
    /// (25 ms) only while the launch waits for DevTools.
    private func failOnExit() async throws {
        while true {
            if let status = await exitStatus(within: .zero) {
                throw ChromiumLaunchError.exitedEarly(status: status, log: logTail())
            }
            try await Timers.sleep(for: .milliseconds(25))
        }
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
        // Closing our pipe ends is also a shutdown request: Chromium exits on EOF at fd 3.
        await connection?.close()
        if !state.exited, !(await waitForExit(within: grace)) {
            kill(pid, SIGTERM)
            _ = await waitForExit(within: .seconds(1))
        }
        cleanUp()
    }

    private func waitForExit(within duration: Duration) async -> Bool {
        await exitStatus(within: duration) != nil
    }

    /// The wait status once the browser exited (reaped here), polling for up to `duration`;
    /// nil while it runs. Callers racing each other (the launch's exit watch and its error
    /// path) all get the status of the one `waitpid` that reaped the child.
    private func exitStatus(within duration: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + duration
        repeat {
            var status: Int32 = 0
            let reaped = lifecycle.withLock { state -> Int32? in
                if state.exited { return state.status }
                let result = waitpid(pid, &status, WNOHANG)
                guard result == pid || (result == -1 && errno == ECHILD) else { return nil }
                state.exited = true
                state.status = status
                return status
            }
            if let reaped { return reaped }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Timers.sleep(for: .milliseconds(20))
        } while !Task.isCancelled
        return nil
    }

    /// SIGKILL to the group, wait for the child, remove the directory. Runs once.
    private func cleanUp() {
        let state = lifecycle.withLock { state -> (exited: Bool, cleaned: Bool) in
            defer { (state.exited, state.cleaned) = (true, true) }
            return (state.exited, state.cleaned)
        }
        guard !state.cleaned else { return }
        connection?.cancel()
        pipe.withLock { pipe in defer { pipe = nil }; return pipe }?.closeParentEnds()
        proxy?.close()
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
