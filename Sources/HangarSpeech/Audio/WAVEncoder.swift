/// Writes 16-bit PCM WAV headers: complete ones (sizes known) for whole files, and streaming
/// ones (sizes 0xFFFFFFFF, "until the connection ends") for audio sent while it is produced.
public enum WAVEncoder {
    public static let headerSize = 44

    /// The 44-byte header for `sampleCount` mono 16-bit samples, or for an unknown length when nil.
    public static func header(sampleRate: Int, sampleCount: Int?) -> [UInt8] {
        let dataSize = sampleCount.map { UInt32(clamping: $0 * 2) } ?? UInt32.max
        let riffSize = sampleCount.map { _ in dataSize &+ 36 } ?? UInt32.max
        var bytes = [UInt8]()
        bytes.reserveCapacity(headerSize)
        func append(_ text: String) { bytes.append(contentsOf: Array(text.utf8)) }
        func append32(_ value: UInt32) {
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        }
        func append16(_ value: UInt16) {
            bytes.append(UInt8(truncatingIfNeeded: value))
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        }
        append("RIFF")
        append32(riffSize)
        append("WAVE")
        append("fmt ")
        append32(16)
        append16(1)  // PCM
        append16(1)  // mono
        append32(UInt32(sampleRate))
        append32(UInt32(sampleRate * 2))  // byte rate
        append16(2)  // block align
        append16(16)  // bits per sample
        append("data")
        append32(dataSize)
        return bytes
    }

    /// A complete WAV file.
    public static func file(sampleRate: Int, samples: [Int16]) -> [UInt8] {
        header(sampleRate: sampleRate, sampleCount: samples.count) + PCM16.bytes(samples)
    }
}
