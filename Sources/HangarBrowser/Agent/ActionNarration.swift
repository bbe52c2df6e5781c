extension BrowserAction {
    /// A short spoken line for the step (`click at 640, 302`), in screen pixels.
    func narration(screen: ScreenSize) -> String {
        func at(_ point: RelativePoint?) -> String {
            guard let point else { return "" }
            let pixel = screen.pixel(point)
            return " at \(pixel.x), \(pixel.y)"
        }
        let text = value.map { String($0.prefix(120)) } ?? ""
        switch kind {
        case .click: return "click" + at(position)
        case .tap: return "tap" + at(position)
        case .hover: return "hover" + at(position)
        case .select: return "select" + at(position)
        case .input: return "type “\(text)”" + at(position)
        case .enter: return "press Enter"
        case .scroll: return "scroll \(text)"
        case .swipe: return "swipe" + at(position) + (endPosition.map { " to " + at($0).dropFirst(4) } ?? "")
        case .selectText: return "select text" + at(position)
        case .copy: return "copy “\(text)”"
        case .answer: return "answer: \(text)"
        }
    }
}
