public import Foundation
public import HangarAgents

/// ShowUI's navigation prompt: a system message with the mode's action space and the output
/// format, then one user message per step with `Task: …`, the action history as
/// `Step{i}: {…}` lines and the screenshot. The wording follows the model's training data, so
/// ShowUI-2B answers in its own dict format; other vision models read it as plain
/// instructions.
public enum ShowUIPrompt {
    /// The system prompt for `mode`.
    public static func system(mode: BrowserMode) -> String {
        let actions = mode.actions.enumerated().map { index, kind in "\(index + 1). `\(kind.rawValue)`: \(kind.promptDescription)" }
        return """
            You are an assistant trained to navigate the \(mode.screenName) screen.
            Given a task instruction, a screen observation, and an action history sequence,
            output the next action and wait for the next observation.
            Here is the action space:
            \(actions.joined(separator: "\n"))

            Format the action as a dictionary with the following keys:
            {'action': 'ACTION_TYPE', 'value': 'element', 'position': [x,y]}

            If value or position is not applicable, set it as `None`.
            Position might be [[x1,y1], [x2,y2]] if the action requires a start and end position.
            Position represents the relative coordinates on the screenshot and should be scaled to a range of 0-1.
            When the task is done, answer with `ANSWER` and the result as its value.
            """
    }

    /// The step's user message: the task, what was done so far, and the screenshot.
    public static func user(task: String, history: [BrowserAction], screenshot: Data) -> ChatMessage {
        ChatMessage(role: "user", content: userText(task: task, history: history), images: [dataURL(screenshot)])
    }

    static func userText(task: String, history: [BrowserAction]) -> String {
        var lines = ["Task: \(task)"]
        if !history.isEmpty {
            lines.append("Action history:")
            for (index, action) in history.enumerated() { lines.append("Step\(index): \(action.showUILiteral)") }
        }
        lines.append("What is the next action?")
        return lines.joined(separator: "\n")
    }

    /// A refinement pass: the same question on a zoomed crop around the predicted point, so
    /// the model can place the point more precisely. Coordinates are relative to the crop.
    public static func refinement(task: String, history: [BrowserAction], action: BrowserAction, crop: Data) -> ChatMessage {
        let text = userText(task: task, history: history) + """

            This screenshot is a zoomed-in region around where you chose to \(action.kind.rawValue). \
            Answer with the same action; its position is relative to this zoomed-in image.
            """
        return ChatMessage(role: "user", content: text, images: [dataURL(crop)])
    }

    /// Sent after a reply that could not be used, with what was wrong, before asking again.
    public static func correction(_ problem: String, mode: BrowserMode) -> ChatMessage {
        let allowed = mode.actions.map(\.rawValue).joined(separator: ", ")
        return ChatMessage(
            role: "user",
            content: """
                Your previous reply could not be used: \(problem)
                Reply with exactly one action as a dictionary, for example \
                {'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]}. Allowed actions: \(allowed).
                """)
    }

    static func dataURL(_ jpeg: Data) -> String {
        "data:image/jpeg;base64," + jpeg.base64EncodedString()
    }
}

extension BrowserAction {
    /// The action as ShowUI writes it (a Python dict), for the history lines.
    public var showUILiteral: String {
        func number(_ value: Double) -> String {
            let rounded = (value * 1000).rounded() / 1000
            return String(rounded)
        }
        func point(_ point: RelativePoint) -> String { "[\(number(point.x)), \(number(point.y))]" }
        let valueText = value.map { "'" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
                .replacingOccurrences(of: "\n", with: "\\n") + "'"
        } ?? "None"
        var positionText = "None"
        if let start = position {
            positionText = endPosition.map { "[\(point(start)), \(point($0))]" } ?? point(start)
        }
        return "{'action': '\(kind.rawValue)', 'value': \(valueText), 'position': \(positionText)}"
    }
}
