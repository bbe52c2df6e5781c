import Foundation
import HangarTimers
import Synchronization

/// Runs a command to completion without blocking a thread of the cooperative pool: the
/// exit is awaited through the termination handler. Cancelling the calling task, or running
/// past `timeout`, kills the process.
enum ProcessRunner {
    struct Outcome: Sendable {
        var status: Int32
        var timedOut: Bool
    }

    static func run(executable: String, arguments: [String], standardError: URL, timeout: Duration) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: standardError.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: standardError)
        defer { try? errorHandle.close() }
        process.standardError = errorHandle
        let control = Control(process)
        let timer = Task {
            try await Timers.sleep(for: timeout)
            control.kill(timedOut: true)
        }
        defer { timer.cancel() }
        let status = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
                do {
                    try control.launch()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            control.kill(timedOut: false)
        }
        try Task.checkCancellation()
        return Outcome(status: status, timedOut: control.timedOut)
    }

    /// Launch and kill, made safe against each other (a kill before launch prevents it).
    private final class Control: @unchecked Sendable {
        private let process: Process
        private let state = Mutex<(launched: Bool, killed: Bool, timedOut: Bool)>((false, false, false))

        init(_ process: Process) { self.process = process }

        var timedOut: Bool { state.withLock { $0.timedOut } }

        func launch() throws {
            try state.withLock { state in
                if state.killed { throw CancellationError() }
                try process.run()
                state.launched = true
            }
        }

        func kill(timedOut: Bool) {
            state.withLock { state in
                guard !state.killed else { return }
                state.killed = true
                state.timedOut = timedOut
                if state.launched, process.isRunning { process.terminate() }
            }
        }
    }
}
