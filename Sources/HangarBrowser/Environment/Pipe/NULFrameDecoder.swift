import NIOCore

/// Splits Chromium's `--remote-debugging-pipe` stream into messages: each is a JSON text
/// followed by one NUL byte. A message longer than `maxMessageSize` is an error (the channel
/// closes) rather than a buffer that grows without bound.
struct NULFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    struct MessageTooLarge: Error, CustomStringConvertible {
        var limit: Int
        var description: String { "a DevTools message exceeds \(limit) bytes" }
    }

    let maxMessageSize: Int
    /// Readable bytes already searched without finding a NUL: a 1 MB screenshot arrives in
    /// many reads, and rescanning it from the start each time would be quadratic.
    private var searched = 0

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let end = view[(view.startIndex + searched)...].firstIndex(of: 0) else {
            searched = view.count
            if searched > maxMessageSize { throw MessageTooLarge(limit: maxMessageSize) }
            return .needMoreData
        }
        let length = end - view.startIndex
        guard length <= maxMessageSize else { throw MessageTooLarge(limit: maxMessageSize) }
        searched = 0
        let message = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }

    /// At EOF a trailing message without its NUL is incomplete: drop it.
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
