import HangarCore

/// The input events of v3's `control/*` (server/pkg/types/message: ControlPos, ControlButton,
/// ControlKey, ControlScroll) and chat. Coordinates are screen pixels.
extension NekoClient {
    /// X11 pointer buttons: 1 left, 2 middle, 3 right. (4–7 are wheel clicks, but v3 scrolls
    /// with `control/scroll`, not with buttons.)
    public enum Button: UInt32, Sendable {
        case left = 1, middle = 2, right = 3
    }

    public func move(x: Int, y: Int) throws {
        try send(NekoEvent(NekoEvent.Name.controlMove, ["x": .int(Int64(x)), "y": .int(Int64(y))]))
    }

    public func buttonPress(_ button: Button = .left, x: Int, y: Int) throws {
        try send(NekoEvent(NekoEvent.Name.controlButtonPress, Self.button(button, x: x, y: y)))
    }

    public func buttonDown(_ button: Button = .left, x: Int, y: Int) throws {
        try send(NekoEvent(NekoEvent.Name.controlButtonDown, Self.button(button, x: x, y: y)))
    }

    public func buttonUp(_ button: Button = .left, x: Int, y: Int) throws {
        try send(NekoEvent(NekoEvent.Name.controlButtonUp, Self.button(button, x: x, y: y)))
    }

    public func keyPress(_ keysym: UInt32) throws {
        try send(NekoEvent(NekoEvent.Name.controlKeyPress, ["keysym": .int(Int64(keysym))]))
    }

    public func keyDown(_ keysym: UInt32) throws {
        try send(NekoEvent(NekoEvent.Name.controlKeyDown, ["keysym": .int(Int64(keysym))]))
    }

    public func keyUp(_ keysym: UInt32) throws {
        try send(NekoEvent(NekoEvent.Name.controlKeyUp, ["keysym": .int(Int64(keysym))]))
    }

    /// `keysym` with `modifier` held (ctrl+l: `chord(NekoKeysym.controlL, 0x6C)`).
    public func chord(_ modifier: UInt32, _ keysym: UInt32) throws {
        try keyDown(modifier)
        try keyPress(keysym)
        try keyUp(modifier)
    }

    /// Types `text` one keypress per character.
    public func typeText(_ text: String) throws {
        for keysym in NekoKeysym.forText(text) { try keyPress(keysym) }
    }

    /// v3 puts `text` on the clipboard and presses ctrl+v: one event for any amount of text.
    public func paste(_ text: String) throws {
        try send(NekoEvent(NekoEvent.Name.controlPaste, ["text": .string(text)]))
    }

    /// One unit is one wheel click (X buttons 4–7 once each); v3 repeats the click |delta| times.
    public func scroll(deltaX: Int, deltaY: Int) throws {
        try send(NekoEvent(NekoEvent.Name.controlScroll, ["delta_x": .int(Int64(deltaX)), "delta_y": .int(Int64(deltaY))]))
    }

    /// ctrl+c on the remote desktop.
    public func copy() throws {
        try send(NekoEvent(NekoEvent.Name.controlCopy))
    }

    public func setClipboard(_ text: String) throws {
        try send(NekoEvent(NekoEvent.Name.clipboardSet, ["text": .string(text)]))
    }

    /// A chat line. v3's chat plugin reads `{"text"}`; `content` repeats it for readers of the
    /// original agent's shape, which v3 ignores.
    public func chat(_ text: String) throws {
        try send(NekoEvent(NekoEvent.Name.chatMessage, ["text": .string(text), "content": .string(text)]))
    }

    static func button(_ button: Button, x: Int, y: Int) -> JSONValue {
        ["code": .int(Int64(button.rawValue)), "x": .int(Int64(x)), "y": .int(Int64(y))]
    }
}
