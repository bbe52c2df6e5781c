import HangarCore

/// `Input.*` in the shapes Chrome expects; coordinates are CSS pixels of the viewport.
extension CDPPage {
    public enum MouseButton: String, Sendable {
        case none, left, middle, right
    }

    func mouse(_ type: String, x: Double, y: Double, button: MouseButton = .none, pressed: Bool = false, clickCount: Int = 0) async throws {
        try await send(
            "Input.dispatchMouseEvent",
            [
                "type": .string(type), "x": .double(x), "y": .double(y), "button": .string(button.rawValue),
                "buttons": .int(pressed ? 1 : 0), "clickCount": .int(Int64(clickCount)),
            ])
    }

    /// Move, press, release: what a real click sends, so hover and focus handlers run.
    public func click(x: Double, y: Double) async throws {
        try await mouse("mouseMoved", x: x, y: y)
        try await mouse("mousePressed", x: x, y: y, button: .left, pressed: true, clickCount: 1)
        try await mouse("mouseReleased", x: x, y: y, button: .left, clickCount: 1)
    }

    public func hover(x: Double, y: Double) async throws {
        try await mouse("mouseMoved", x: x, y: y)
    }

    /// A left-button drag in `steps` moves (text selection, sliders).
    public func drag(from start: (x: Double, y: Double), to end: (x: Double, y: Double), steps: Int = 8) async throws {
        try await mouse("mouseMoved", x: start.x, y: start.y)
        try await mouse("mousePressed", x: start.x, y: start.y, button: .left, pressed: true, clickCount: 1)
        for step in 1...max(steps, 1) {
            let t = Double(step) / Double(max(steps, 1))
            try await mouse(
                "mouseMoved", x: start.x + (end.x - start.x) * t, y: start.y + (end.y - start.y) * t, button: .left, pressed: true)
        }
        try await mouse("mouseReleased", x: end.x, y: end.y, button: .left, clickCount: 1)
    }

    /// Positive `deltaY` scrolls down, positive `deltaX` right (DOM wheel convention).
    public func wheel(x: Double, y: Double, deltaX: Double, deltaY: Double) async throws {
        try await send(
            "Input.dispatchMouseEvent",
            ["type": "mouseWheel", "x": .double(x), "y": .double(y), "deltaX": .double(deltaX), "deltaY": .double(deltaY)])
    }

    public func tap(x: Double, y: Double) async throws {
        try await touch("touchStart", points: [(x, y)])
        try await touch("touchEnd", points: [])
    }

    /// A one-finger swipe in `steps` moves.
    public func swipe(from start: (x: Double, y: Double), to end: (x: Double, y: Double), steps: Int = 10) async throws {
        try await touch("touchStart", points: [start])
        for step in 1...max(steps, 1) {
            let t = Double(step) / Double(max(steps, 1))
            try await touch("touchMove", points: [(start.x + (end.x - start.x) * t, start.y + (end.y - start.y) * t)])
        }
        try await touch("touchEnd", points: [])
    }

    func touch(_ type: String, points: [(x: Double, y: Double)]) async throws {
        let touchPoints = JSONValue.array(points.map { .object(["x": .double($0.x), "y": .double($0.y)]) })
        try await send("Input.dispatchTouchEvent", ["type": .string(type), "touchPoints": touchPoints])
    }

    /// Enter as a keyboard would send it: `text` "\r" on keyDown is what submits a form.
    public func pressEnter() async throws {
        try await send(
            "Input.dispatchKeyEvent",
            [
                "type": "keyDown", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
                "nativeVirtualKeyCode": 13, "text": "\r", "unmodifiedText": "\r",
            ])
        try await send(
            "Input.dispatchKeyEvent",
            ["type": "keyUp", "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13])
    }

    /// Types `text` into the focused element as one IME commit (fast, any script).
    public func insertText(_ text: String) async throws {
        try await send("Input.insertText", ["text": .string(text)])
    }
}
