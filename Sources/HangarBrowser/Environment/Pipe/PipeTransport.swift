import NIOCore
import HangarErrorText
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// DevTools over the pipe of a Chromium we launched with `--remote-debugging-pipe`: it reads
/// commands from its fd 3 and writes replies and events to its fd 4, each message a JSON text
/// and a NUL byte. Nothing listens on a port, so no other process can attach to the browser.
///
/// Owns both descriptors from `open` on: NIO closes them when the channel ends (Chromium
/// exits, `close`, `cancel`), and `open` closes them itself if it fails before NIO took them.
final class PipeTransport: CDPTransport {
    private let outgoing = OutgoingTexts()

    private init() {}

    /// `input` is our read end of Chromium's fd 4, `output` our write end of its fd 3.
    static func open(
        input: CInt,
        output: CInt,
        maxMessageSize: Int,
        onText: @escaping @Sendable (String) -> Void,
        onClose: @escaping @Sendable (String) -> Void
    ) async throws -> PipeTransport {
        // NIO owns the descriptors once it made its channel (the initializer runs after that);
        // before, a failure leaves them to us.
        let taken = TakenFlag()
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .takingOwnershipOfDescriptors(input: input, output: output) { channel in
                    taken.value.withLock { $0 = true }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(NULFrameDecoder(maxMessageSize: maxMessageSize)))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            if !taken.value.withLock({ $0 }) {
                closeDescriptor(input)
                closeDescriptor(output)
            }
            throw error
        }

        let transport = PipeTransport()
        let stream = transport.outgoing.stream
        let task = Task {
            var reason = "Chromium closed the DevTools pipe"
            do {
                // Closes the channel, and with it both descriptors, however the body ends.
                try await channel.executeThenClose { inbound, outbound in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in stream {
                                var buffer = ByteBuffer(string: text)
                                buffer.writeInteger(UInt8(0))
                                try await outbound.write(buffer)
                            }
                        }
                        group.addTask {
                            for try await message in inbound { onText(String(buffer: message)) }
                        }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                reason = ErrorText.describe(error)
            }
            transport.outgoing.markClosed()
            onClose(reason)
        }
        transport.outgoing.attach(task)
        return transport
    }

    @discardableResult
    func send(_ text: String) -> Bool { outgoing.send(text) }

    func cancel() { outgoing.cancel() }

    /// Writes what is queued, closes both descriptors, and waits (at most 2 s) for the end.
    func close() async { await outgoing.close() }
}

/// Whether NIO made its channel (and so owns the descriptors); a class, since a `Mutex` alone
/// cannot be captured by the bootstrap's escaping initializer.
private final class TakenFlag: Sendable {
    let value = Mutex(false)
}
