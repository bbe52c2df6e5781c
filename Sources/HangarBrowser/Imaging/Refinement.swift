/// The geometry of click refinement: a crop around a predicted point, and the way back from a
/// point on the crop to the whole screen. The crop is a fixed fraction of the screenshot
/// (half its width and height, as the original agent), shifted rather than shrunk at the
/// edges so every round sees the same zoom.
public enum Refinement {
    public static let cropFraction = 0.5

    /// The crop centred on `point` (relative), inside the image.
    public static func region(around point: RelativePoint, imageWidth: Int, imageHeight: Int, fraction: Double = cropFraction) -> PixelRect {
        let width = max(1, min(imageWidth, Int((Double(imageWidth) * fraction).rounded())))
        let height = max(1, min(imageHeight, Int((Double(imageHeight) * fraction).rounded())))
        let centreX = min(max(point.x, 0), 1) * Double(imageWidth)
        let centreY = min(max(point.y, 0), 1) * Double(imageHeight)
        let x = min(max(Int((centreX - Double(width) / 2).rounded()), 0), imageWidth - width)
        let y = min(max(Int((centreY - Double(height) / 2).rounded()), 0), imageHeight - height)
        return PixelRect(x: x, y: y, width: width, height: height)
    }

    /// A point relative to `crop` as a point relative to the whole image.
    public static func fullScreen(_ point: RelativePoint, in crop: PixelRect, imageWidth: Int, imageHeight: Int) -> RelativePoint {
        let x = (Double(crop.x) + min(max(point.x, 0), 1) * Double(crop.width)) / Double(max(imageWidth, 1))
        let y = (Double(crop.y) + min(max(point.y, 0), 1) * Double(crop.height)) / Double(max(imageHeight, 1))
        return RelativePoint(x: min(max(x, 0), 1), y: min(max(y, 0), 1))
    }
}
