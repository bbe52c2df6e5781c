import Foundation
import HangarSpeech
import Testing

@Suite("WAV files")
struct WAVTests {
    @Test("a complete file round-trips, with every header field right")
    func roundTrip() throws {
        let samples: [Int16] = [0, 1000, -1000, 32767, -32768, 12]
        let bytes = WAVEncoder.file(sampleRate: 48_000, samples: samples)
        let header = SpeechTestSupport.WAVHeader(bytes)
        #expect(header.riff == "RIFF" && header.wave == "WAVE" && header.fmt == "fmt " && header.data == "data")
        #expect(header.riffSize == UInt32(bytes.count - 8))
        #expect(header.fmtSize == 16 && header.format == 1 && header.channels == 1 && header.bits == 16)
        #expect(header.sampleRate == 48_000 && header.byteRate == 96_000 && header.blockAlign == 2)
        #expect(header.dataSize == UInt32(samples.count * 2))
        let clip = try WAVDecoder.decode(bytes)
        #expect(clip.sampleRate == 48_000)
        #expect(PCM16.quantize(clip.samples) == samples)
    }

    @Test("a streaming header (unknown length, as espeak-ng --stdout writes) reads to the end")
    func streamingHeader() throws {
        let samples: [Int16] = Array(repeating: 500, count: 100)
        let bytes = WAVEncoder.header(sampleRate: 22_050, sampleCount: nil) + PCM16.bytes(samples)
        #expect(SpeechTestSupport.WAVHeader(bytes).dataSize == UInt32.max)
        let info = try WAVDecoder.info(bytes)
        #expect(info.frames == 100 && info.sampleRate == 22_050)
    }

    @Test("24-bit, float and stereo files decode to mono floats")
    func formats() throws {
        func file(tag: UInt16, channels: UInt16, bits: UInt16, payload: [UInt8], extensible: Bool = false) -> [UInt8] {
            var fmt: [UInt8] = []
            func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
            func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
            let block = channels * bits / 8
            fmt += le16(extensible ? 0xFFFE : tag) + le16(channels) + le32(16_000) + le32(16_000 * UInt32(block)) + le16(block) + le16(bits)
            if extensible { fmt += le16(22) + le16(bits) + le32(0) + le16(tag) + [UInt8](repeating: 0, count: 14) }
            let body =
                Array("WAVE".utf8) + Array("fmt ".utf8) + le32(UInt32(fmt.count)) + fmt + Array("data".utf8) + le32(UInt32(payload.count)) + payload
            return Array("RIFF".utf8) + le32(UInt32(body.count)) + body
        }
        let half: [UInt8] = [0x00, 0x00, 0x40]  // 24-bit 0.5
        #expect(try WAVDecoder.decode(file(tag: 1, channels: 1, bits: 24, payload: half)).samples == [0.5])
        let float = withUnsafeBytes(of: Float(0.25).bitPattern.littleEndian) { Array($0) }
        #expect(try WAVDecoder.decode(file(tag: 3, channels: 1, bits: 32, payload: float)).samples == [0.25])
        #expect(try WAVDecoder.decode(file(tag: 3, channels: 1, bits: 32, payload: float, extensible: true)).samples == [0.25])
        let stereo = PCM16.bytes([16384, 0] as [Int16])
        #expect(try WAVDecoder.decode(file(tag: 1, channels: 2, bits: 16, payload: stereo)).samples == [0.25])
        #expect(throws: WAVDecoder.Failure.self) { try WAVDecoder.decode(file(tag: 2, channels: 1, bits: 4, payload: [0])) }
        #expect(throws: WAVDecoder.Failure.self) { try WAVDecoder.decode(Array("not audio at all".utf8)) }
        #expect(throws: WAVDecoder.Failure.self) { try WAVDecoder.decode(Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8)) }
    }
}
