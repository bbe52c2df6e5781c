#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two pipes of `--remote-debugging-pipe`: Chromium reads commands from its fd 3 and
/// writes messages to its fd 4. All four ends are close-on-exec (no other child, nor Chromium
/// itself, inherits our ends); the spawn's `dup2` onto 3 and 4 clears the flag on the
/// child's copies only. After spawning, the parent closes the child ends, so EOF on our read
/// end means the browser (and anything that inherited fd 4) is gone.
struct DevToolsPipe {
    /// Chromium's end of the command pipe: becomes its fd 3.
    var childReads: CInt
    /// Chromium's end of the message pipe: becomes its fd 4.
    var childWrites: CInt
    /// Our end for commands (write).
    var parentWrites: CInt
    /// Our end for replies and events (read).
    var parentReads: CInt

    static let childCommandDescriptor: CInt = 3
    static let childMessageDescriptor: CInt = 4

    /// Both pipes, every end at fd 10 or above: `dup2(3, 3)` would keep close-on-exec set,
    /// and an end sitting on 3 or 4 would be overwritten by the other `dup2`.
    static func make() throws(DevToolsPipeError) -> DevToolsPipe {
        let commands = try makePipe()
        let messages: (read: CInt, write: CInt)
        do {
            messages = try makePipe()
        } catch {
            closeDescriptor(commands.read)
            closeDescriptor(commands.write)
            throw error
        }
        return DevToolsPipe(childReads: commands.read, childWrites: messages.write, parentWrites: commands.write, parentReads: messages.read)
    }

    func closeChildEnds() {
        closeDescriptor(childReads)
        closeDescriptor(childWrites)
    }

    func closeParentEnds() {
        closeDescriptor(parentWrites)
        closeDescriptor(parentReads)
    }

    private static func makePipe() throws(DevToolsPipeError) -> (read: CInt, write: CInt) {
        var ends: [CInt] = [-1, -1]
        // Close-on-exec from the start: another thread may spawn before the ends are moved.
        #if os(Linux)
        guard systemPipe2(&ends, O_CLOEXEC) == 0 else { throw DevToolsPipeError(call: "pipe2", code: errno) }
        #else
        guard pipe(&ends) == 0 else { throw DevToolsPipeError(call: "pipe", code: errno) }
        #endif
        var moved: [CInt] = []
        for end in ends {
            // F_DUPFD_CLOEXEC sets close-on-exec atomically with the new number.
            let high = fcntl(end, F_DUPFD_CLOEXEC, 10)
            let code = errno
            closeDescriptor(end)
            guard high >= 0 else {
                moved.forEach(closeDescriptor)
                throw DevToolsPipeError(call: "fcntl(F_DUPFD_CLOEXEC)", code: code)
            }
            moved.append(high)
        }
        return (moved[0], moved[1])
    }
}

struct DevToolsPipeError: Error, CustomStringConvertible {
    var call: String
    var code: Int32
    var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
}

/// `close(2)`, retried never: on Linux the descriptor is released even when it reports EINTR.
func closeDescriptor(_ descriptor: CInt) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #else
    _ = Darwin.close(descriptor)
    #endif
}

#if os(Linux)
/// glibc's `pipe2(2)`, which the Glibc module does not export (it is a GNU extension).
@_silgen_name("pipe2")
private func systemPipe2(_ descriptors: UnsafeMutablePointer<CInt>, _ flags: CInt) -> CInt
#endif
