import Foundation
import HangarCore

/// Why a model's reply could not be turned into actions; the message goes back to the model
/// (retry) and, finally, into the task's failure.
public struct ActionParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Turns a vision model's reply into actions.
///
/// Reads ShowUI's Python dicts (`{'action': 'CLICK', 'value': None, 'position': [0.49, 0.42]}`)
/// and plain JSON objects alike, wherever they sit in the reply (prose, code fences,
/// `<think>` blocks are skipped); several dicts are several actions, in order. Coordinates
/// are relative (0–1) as ShowUI's are; a point with a component above 1 is read as pixels
/// and divided by the screen size, since other models answer in pixels. Actions outside the
/// mode's action space are refused by name.
public enum ActionParser {
    public static func parse(_ reply: String, mode: BrowserMode, screen: ScreenSize) throws(ActionParseError) -> [BrowserAction] {
        let text = withoutThinking(reply)
        let dicts = PythonLiteral.dicts(in: text).flatMap(actionDicts)
        guard !dicts.isEmpty else {
            throw ActionParseError(
                "no action found: expected a dictionary like {'action': 'CLICK', 'value': None, 'position': [x, y]}")
        }
        var actions: [BrowserAction] = []
        for fields in dicts {
            actions.append(try action(fields, mode: mode, screen: screen))
        }
        return actions
    }

    /// One action from one dict.
    static func action(_ fields: [String: JSONValue], mode: BrowserMode, screen: ScreenSize) throws(ActionParseError) -> BrowserAction {
        guard let name = key("action", in: fields)?.stringValue else { throw ActionParseError("'action' must be a string") }
        let (kind, impliedValue) = try self.kind(name, mode: mode)
        var value = try self.value(fields) ?? impliedValue
        let points = try position(fields, screen: screen)

        switch kind.positionShape {
        case .point:
            guard let points else {
                // INPUT without a position types into whatever has focus.
                if kind == .input { break }
                throw ActionParseError("\(kind.rawValue) needs a position [x, y]")
            }
            guard points.count == 1 else { throw ActionParseError("\(kind.rawValue) takes one point [x, y], not a range") }
        case .drag:
            guard let points, points.count == 2 else {
                throw ActionParseError("\(kind.rawValue) needs a start and end position [[x1, y1], [x2, y2]]")
            }
        case .none:
            break
        }
        switch kind {
        case .input:
            guard value != nil else { throw ActionParseError("INPUT needs the text to type as its value") }
        case .scroll:
            let direction = (value ?? "down").lowercased()
            guard ["up", "down", "left", "right"].contains(direction) else {
                throw ActionParseError("SCROLL's value must be up, down, left or right, not '\(direction)'")
            }
            value = direction
        case .answer:
            value = value ?? ""
        default:
            break
        }
        let usesPosition = kind.positionShape != .none
        return BrowserAction(
            kind: kind, value: value, position: usesPosition ? points?.first : nil,
            endPosition: usesPosition && kind.positionShape == .drag ? points?.last : nil)
    }

    /// `fields` when it is an action, else the actions nested in it (a tool call's
    /// `{"tool": "computer", "args": {"action": …}}`), in order.
    static func actionDicts(_ fields: [String: JSONValue]) -> [[String: JSONValue]] {
        if key("action", in: fields) != nil { return [fields] }
        func nested(_ value: JSONValue) -> [[String: JSONValue]] {
            switch value {
            case .object(let inner): actionDicts(inner)
            case .array(let items): items.flatMap(nested)
            default: []
            }
        }
        return fields.sorted { $0.key < $1.key }.flatMap { nested($0.value) }
    }

    /// Names other models use for ShowUI's actions.
    static let aliases: [String: (BrowserAction.Kind, String?)] = [
        "TYPE": (.input, nil), "LEFT_CLICK": (.click, nil), "PRESS_ENTER": (.enter, nil), "KEY_ENTER": (.enter, nil),
        "SCROLL_UP": (.scroll, "up"), "SCROLL_DOWN": (.scroll, "down"), "SCROLL_LEFT": (.scroll, "left"), "SCROLL_RIGHT": (.scroll, "right"),
    ]

    static func kind(_ name: String, mode: BrowserMode) throws(ActionParseError) -> (BrowserAction.Kind, String?) {
        let normalized = name.trimmingCharacters(in: .whitespaces).uppercased()
            .replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        var kind = BrowserAction.Kind(rawValue: normalized)
        var implied: String?
        if kind == nil, let alias = aliases[normalized] { (kind, implied) = (alias.0, alias.1) }
        let allowed = mode.actions.map(\.rawValue).joined(separator: ", ")
        guard let kind else { throw ActionParseError("unknown action '\(name)'; the \(mode.rawValue) actions are \(allowed)") }
        guard mode.actions.contains(kind) else {
            throw ActionParseError("action '\(kind.rawValue)' is not in the \(mode.rawValue) action space (\(allowed))")
        }
        return (kind, implied)
    }

    /// `value`, or the field other models put the text in; numbers become text.
    static func value(_ fields: [String: JSONValue]) throws(ActionParseError) -> String? {
        for name in ["value", "text", "direction", "answer"] {
            guard let field = key(name, in: fields) else { continue }
            switch field {
            case .null: continue
            case .string(let text): return text
            case .int(let number): return String(number)
            case .double(let number): return String(number)
            case .bool(let flag): return flag ? "True" : "False"
            case .array, .object: throw ActionParseError("'\(name)' must be a string")
            }
        }
        return nil
    }

    /// The action's points in relative coordinates: `[x, y]`, `[[x1, y1], [x2, y2]]`, or `x`/`y`
    /// fields; `nil` when it has none.
    static func position(_ fields: [String: JSONValue], screen: ScreenSize) throws(ActionParseError) -> [RelativePoint]? {
        var raw: JSONValue? = ["position", "coordinate", "coordinates", "point"].lazy.compactMap { key($0, in: fields) }.first { !$0.isNull }
        // A position written as a string ("[0.5, 0.3]").
        if case .string(let text)? = raw { raw = try? PythonLiteral.parse(text) }
        var pairs: [(Double, Double)] = []
        if let raw {
            guard let items = raw.arrayValue else { throw ActionParseError("'position' must be [x, y] or [[x1, y1], [x2, y2]]") }
            if items.count == 2, let x = items[0].doubleValue, let y = items[1].doubleValue {
                pairs = [(x, y)]
            } else if items.count == 2, let start = pair(items[0]), let end = pair(items[1]) {
                pairs = [start, end]
            } else if items.count == 4, items.allSatisfy({ $0.doubleValue != nil }) {
                // A box [x1, y1, x2, y2]: its centre.
                let numbers = items.compactMap(\.doubleValue)
                pairs = [((numbers[0] + numbers[2]) / 2, (numbers[1] + numbers[3]) / 2)]
            } else {
                throw ActionParseError("'position' must be [x, y] or [[x1, y1], [x2, y2]]")
            }
        } else if let x = key("x", in: fields)?.doubleValue, let y = key("y", in: fields)?.doubleValue {
            pairs = [(x, y)]
        } else {
            return nil
        }
        let numbers = pairs.flatMap { [$0.0, $0.1] }
        guard numbers.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw ActionParseError("coordinates must be non-negative numbers") }
        // Relative unless a component says pixels.
        let pixels = numbers.contains { $0 > 1 }
        if pixels, screen.width <= 0 || screen.height <= 0 { throw ActionParseError("pixel coordinates need a screen size") }
        return pairs.map { x, y in
            let point = pixels ? RelativePoint(x: x / Double(screen.width), y: y / Double(screen.height)) : RelativePoint(x: x, y: y)
            return RelativePoint(x: min(max(point.x, 0), 1), y: min(max(point.y, 0), 1))
        }
    }

    private static func pair(_ value: JSONValue) -> (Double, Double)? {
        guard let items = value.arrayValue, items.count == 2, let x = items[0].doubleValue, let y = items[1].doubleValue else { return nil }
        return (x, y)
    }

    /// A field by name, ignoring case (`Action`, `ACTION`).
    static func key(_ name: String, in fields: [String: JSONValue]) -> JSONValue? {
        if let value = fields[name] { return value }
        return fields.first { $0.key.lowercased() == name }?.value
    }

    /// The reply without reasoning blocks (`<think>…</think>`), whose drafts are not the answer.
    static func withoutThinking(_ text: String) -> String {
        var result = text
        while let open = result.range(of: "<think>"), let close = result.range(of: "</think>", range: open.upperBound..<result.endIndex) {
            result.removeSubrange(open.lowerBound..<close.upperBound)
        }
        return result
    }
}
