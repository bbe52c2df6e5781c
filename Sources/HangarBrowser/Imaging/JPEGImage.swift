import CJPEG
public import Foundation

/// A decoded JPEG as 8-bit RGB rows: enough to crop a screenshot for refinement and encode the
/// crop again. Decoding goes through libjpeg with an error manager that reports corrupt input
/// as an error instead of ending the process (see `Sources/CJPEG/shim.h`).
public struct JPEGImage: Sendable, Equatable {
    public struct DecodeError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { "JPEG: \(message)" }
    }

    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes, row by row, R G B.
    public let pixels: [UInt8]

    /// Larger images are refused rather than allocated (a 16k × 16k screen is already absurd).
    static let maxPixels = 16_384 * 16_384

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "pixels must be width × height × 3 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(jpeg: Data) throws(DecodeError) {
        guard !jpeg.isEmpty else { throw DecodeError(message: "empty data") }
        var message = [CChar](repeating: 0, count: 200)
        var output: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0
        var height: Int32 = 0
        let status = jpeg.withUnsafeBytes { bytes in
            hangar_jpeg_decode(
                bytes.bindMemory(to: UInt8.self).baseAddress, UInt(bytes.count), UInt(Self.maxPixels), &output, &width, &height, &message)
        }
        guard status == 0, let output else { throw DecodeError(message: Self.text(message)) }
        defer { free(output) }
        self.width = Int(width)
        self.height = Int(height)
        self.pixels = Array(UnsafeBufferPointer(start: output, count: Int(width) * Int(height) * 3))
    }

    /// The image encoded as JPEG at `quality` (1–100).
    public func jpeg(quality: Int) throws(DecodeError) -> Data {
        var message = [CChar](repeating: 0, count: 200)
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = pixels.withUnsafeBufferPointer { buffer in
            hangar_jpeg_encode(buffer.baseAddress, Int32(width), Int32(height), Int32(min(max(quality, 1), 100)), &output, &size, &message)
        }
        guard status == 0, let output else { throw DecodeError(message: Self.text(message)) }
        defer { free(output) }
        return Data(bytes: output, count: Int(size))
    }

    /// The part of the image inside `rect`, which is clamped to the image.
    public func cropped(to rect: PixelRect) -> JPEGImage {
        let rect = rect.clamped(width: width, height: height)
        var result = [UInt8]()
        result.reserveCapacity(rect.width * rect.height * 3)
        for row in rect.y..<(rect.y + rect.height) {
            let start = (row * width + rect.x) * 3
            result.append(contentsOf: pixels[start..<(start + rect.width * 3)])
        }
        return JPEGImage(width: rect.width, height: rect.height, pixels: result)
    }

    /// The RGB of one pixel.
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let offset = (y * width + x) * 3
        return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
    }

    /// Width and height from the frame header (SOF marker), without decoding; `nil` when the
    /// data is not a readable JPEG.
    public static func dimensions(of jpeg: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](jpeg)
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            // Fill bytes, and markers without a length (RSTn, TEM).
            if marker == 0xFF {
                offset += 1
                continue
            }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 {
                offset += 2
                continue
            }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2 else { return nil }
            // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard offset + 9 <= bytes.count else { return nil }
                let height = Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6])
                let width = Int(bytes[offset + 7]) << 8 | Int(bytes[offset + 8])
                return width > 0 && height > 0 ? (width, height) : nil
            }
            if marker == 0xDA || marker == 0xD9 { return nil }  // scan data before any frame header
            offset += 2 + length
        }
        return nil
    }

    private static func text(_ message: [CChar]) -> String {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.isEmpty ? "unreadable image" : text
    }
}

/// A rectangle in pixels, top-left origin.
public struct PixelRect: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// Inside a `width` × `height` image, at least one pixel.
    func clamped(width imageWidth: Int, height imageHeight: Int) -> PixelRect {
        let x = min(max(self.x, 0), imageWidth - 1)
        let y = min(max(self.y, 0), imageHeight - 1)
        return PixelRect(x: x, y: y, width: min(max(width, 1), imageWidth - x), height: min(max(height, 1), imageHeight - y))
    }
}
