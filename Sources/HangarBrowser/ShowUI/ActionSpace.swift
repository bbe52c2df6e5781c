/// Which screen the agent drives: ShowUI was trained on two action spaces, a website's and a
/// smartphone's. The mode picks the prompt's action list and the actions a reply may use.
public enum BrowserMode: String, Sendable, CaseIterable {
    case web, phone

    /// The actions a reply may use in this mode, in the prompt's order.
    public var actions: [BrowserAction.Kind] {
        switch self {
        case .web: [.click, .input, .select, .hover, .answer, .enter, .scroll, .selectText, .copy]
        case .phone: [.input, .swipe, .tap, .answer, .enter]
        }
    }

    /// What the prompt calls the screen.
    var screenName: String {
        switch self {
        case .web: "website"
        case .phone: "smartphone"
        }
    }
}

extension BrowserAction.Kind {
    /// One numbered line of the prompt's action space: what the action does, what `value` and
    /// `position` hold.
    var promptDescription: String {
        switch self {
        case .click: "Click on an element, value is not applicable and the position [x,y] is required."
        case .input: "Type a string into an element, value is the string to type and the position [x,y] is required."
        case .select: "Select a value for an element, value is not applicable and the position [x,y] is required."
        case .hover: "Hover on an element, value is not applicable and the position [x,y] is required."
        case .answer: "Answer the question or report the task's outcome, value is the answer and the position is not applicable."
        case .enter: "Press Enter, value and position are not applicable."
        case .scroll: "Scroll the screen, value is the direction (up, down, left or right) and the position is not applicable."
        case .selectText:
            "Select text, value is not applicable and the position [[x1,y1],[x2,y2]] is the start and end of the selection."
        case .copy: "Copy text, value is the text to copy and the position is not applicable."
        case .tap: "Tap on an element, value is not applicable and the position [x,y] is required."
        case .swipe: "Swipe the screen, value is not applicable and the position [[x1,y1],[x2,y2]] is the start and end of the swipe."
        }
    }

    /// What `position` must hold for the action to be performable.
    enum PositionShape { case none, point, drag }

    var positionShape: PositionShape {
        switch self {
        case .click, .input, .select, .hover, .tap: .point
        case .selectText, .swipe: .drag
        case .answer, .enter, .scroll, .copy: .none
        }
    }
}
