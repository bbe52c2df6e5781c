/// X11 keysyms, which is what Neko's `control/key*` events carry.
public enum NekoKeysym {
    public static let returnKey: UInt32 = 0xFF0D
    public static let backSpace: UInt32 = 0xFF08
    public static let tab: UInt32 = 0xFF09
    public static let escape: UInt32 = 0xFF1B
    public static let delete: UInt32 = 0xFFFF
    public static let home: UInt32 = 0xFF50
    public static let left: UInt32 = 0xFF51
    public static let up: UInt32 = 0xFF52
    public static let right: UInt32 = 0xFF53
    public static let down: UInt32 = 0xFF54
    public static let pageUp: UInt32 = 0xFF55
    public static let pageDown: UInt32 = 0xFF56
    public static let end: UInt32 = 0xFF57
    public static let shiftL: UInt32 = 0xFFE1
    public static let controlL: UInt32 = 0xFFE3
    public static let altL: UInt32 = 0xFFE9
    public static let superL: UInt32 = 0xFFEB

    /// Key names as ShowUI-style models and xdotool spell them.
    static let namedKeys: [String: UInt32] = [
        "return": returnKey, "enter": returnKey, "backspace": backSpace, "tab": tab, "escape": escape, "esc": escape,
        "delete": delete, "home": home, "end": end, "left": left, "up": up, "right": right, "down": down,
        "page_up": pageUp, "pageup": pageUp, "page_down": pageDown, "pagedown": pageDown,
        "shift": shiftL, "control": controlL, "ctrl": controlL, "alt": altL, "super": superL, "meta": superL,
    ]

    /// A named key (`Return`, `ctrl`, `F5`), case-insensitive.
    public static func named(_ name: String) -> UInt32? {
        let lower = name.lowercased()
        if let keysym = namedKeys[lower] { return keysym }
        if lower.hasPrefix("f"), let number = Int(lower.dropFirst()), (1...12).contains(number) {
            return 0xFFBE + UInt32(number - 1)  // F1 = 0xFFBE
        }
        return nil
    }

    /// The keysym that types `scalar`: control characters as their keys, Latin-1 as itself,
    /// anything else as a Unicode keysym (`0x01000000 + code point`), which X servers map on
    /// the fly.
    public static func forScalar(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x0A, 0x0D: return returnKey
        case 0x09: return tab
        case 0x08: return backSpace
        case 0x1B: return escape
        case 0x7F: return delete
        case 0x20...0x7E, 0xA0...0xFF: return scalar.value
        case 0x00...0x1F, 0x80...0x9F: return nil  // other control characters type nothing
        default: return 0x0100_0000 + scalar.value
        }
    }

    /// One keysym per typed scalar, "\r\n" as a single Return.
    public static func forText(_ text: String) -> [UInt32] {
        var keysyms: [UInt32] = []
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            defer { previous = scalar }
            if scalar == "\n", previous == "\r" { continue }
            if let keysym = forScalar(scalar) { keysyms.append(keysym) }
        }
        return keysyms
    }
}
