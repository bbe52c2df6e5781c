import Foundation
import Testing

@testable import HangarBrowser

@Suite("JPEG crops and refinement geometry")
struct JPEGImageTests {
    /// 200 × 100: left half red, right half blue, with a green 40 × 20 block at (120, 60).
    static func quadrants() -> JPEGImage {
        var pixels = [UInt8]()
        for y in 0..<100 {
            for x in 0..<200 {
                if (120..<160).contains(x), (60..<80).contains(y) {
                    pixels += [0, 255, 0]
                } else {
                    pixels += x < 100 ? [255, 0, 0] : [0, 0, 255]
                }
            }
        }
        return JPEGImage(width: 200, height: 100, pixels: pixels)
    }

    static func close(_ pixel: (r: UInt8, g: UInt8, b: UInt8), _ expected: (Int, Int, Int)) -> Bool {
        abs(Int(pixel.r) - expected.0) < 40 && abs(Int(pixel.g) - expected.1) < 40 && abs(Int(pixel.b) - expected.2) < 40
    }

    @Test("Encode, read the SOF dimensions, decode, crop, encode again: sizes and colours survive")
    func cropRoundTrip() throws {
        let jpeg = try Self.quadrants().jpeg(quality: 90)
        #expect(JPEGImage.dimensions(of: jpeg).map { [$0.width, $0.height] } == [200, 100])
        let decoded = try JPEGImage(jpeg: jpeg)
        #expect(decoded.width == 200 && decoded.height == 100)

        // The crop holding the green block, at a known offset.
        let crop = decoded.cropped(to: PixelRect(x: 100, y: 50, width: 80, height: 40))
        let cropJPEG = try crop.jpeg(quality: 90)
        #expect(JPEGImage.dimensions(of: cropJPEG).map { [$0.width, $0.height] } == [80, 40])
        let again = try JPEGImage(jpeg: cropJPEG)
        #expect(Self.close(again.pixel(x: 40, y: 20), (0, 255, 0)))  // (140, 70) in the original: green
        #expect(Self.close(again.pixel(x: 5, y: 2), (0, 0, 255)))  // (105, 52): blue
        #expect(Self.close(decoded.pixel(x: 10, y: 10), (255, 0, 0)))

        // A rectangle past the edges is clamped to the image.
        let edge = decoded.cropped(to: PixelRect(x: 180, y: 90, width: 50, height: 50))
        #expect(edge.width == 20 && edge.height == 10)
    }

    @Test("Bad input is an error, never a crash")
    func badInput() {
        #expect(throws: JPEGImage.DecodeError.self) { try JPEGImage(jpeg: Data()) }
        #expect(throws: JPEGImage.DecodeError.self) { try JPEGImage(jpeg: Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 1, 2, 3])) }
        #expect(throws: JPEGImage.DecodeError.self) { try JPEGImage(jpeg: Data("not a jpeg at all".utf8)) }
        #expect(JPEGImage.dimensions(of: Data("GIF89a".utf8)) == nil)
        #expect(JPEGImage.dimensions(of: Data([0xFF, 0xD8, 0xFF, 0xC0, 0x00])) == nil)
    }

    @Test("Truncated JPEG data does not crash the process")
    func truncated() throws {
        let jpeg = try Self.quadrants().jpeg(quality: 90)
        // libjpeg pads a truncated scan (a warning); either outcome is fine, as long as we return.
        _ = try? JPEGImage(jpeg: jpeg.prefix(jpeg.count / 2))
        _ = try? JPEGImage(jpeg: jpeg.prefix(200))
    }

    @Test("The refinement crop: half the screen around the point, shifted inside at the edges")
    func region() {
        #expect(Refinement.region(around: RelativePoint(x: 0.5, y: 0.5), imageWidth: 1280, imageHeight: 720) == PixelRect(x: 320, y: 180, width: 640, height: 360))
        #expect(Refinement.region(around: RelativePoint(x: 0.05, y: 0.95), imageWidth: 1280, imageHeight: 720) == PixelRect(x: 0, y: 360, width: 640, height: 360))
        #expect(Refinement.region(around: RelativePoint(x: 1, y: 0), imageWidth: 1280, imageHeight: 720) == PixelRect(x: 640, y: 0, width: 640, height: 360))
    }

    @Test("A point on the crop maps back to the whole screen")
    func mapping() {
        let crop = PixelRect(x: 640, y: 0, width: 640, height: 360)
        let point = Refinement.fullScreen(RelativePoint(x: 0.5, y: 0.5), in: crop, imageWidth: 1280, imageHeight: 720)
        #expect(point == RelativePoint(x: 0.75, y: 0.25))
        let corner = Refinement.fullScreen(RelativePoint(x: 0, y: 1), in: PixelRect(x: 320, y: 180, width: 640, height: 360), imageWidth: 1280, imageHeight: 720)
        #expect(corner == RelativePoint(x: 0.25, y: 0.75))
    }
}
