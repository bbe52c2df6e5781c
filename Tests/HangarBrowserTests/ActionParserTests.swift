import HangarCore
import Testing

@testable import HangarBrowser

@Suite("Reading actions from model replies")
struct ActionParserTests {
    let screen = ScreenSize(width: 1000, height: 500)

    func parse(_ reply: String, mode: BrowserMode = .web) throws -> [BrowserAction] {
        try ActionParser.parse(reply, mode: mode, screen: screen)
    }

    func failure(_ reply: String, mode: BrowserMode = .web) -> String? {
        do {
            _ = try ActionParser.parse(reply, mode: mode, screen: screen)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("ShowUI's Python dict: single quotes, None, relative position")
    func showUIDict() throws {
        let actions = try parse("{'action': 'CLICK', 'value': None, 'position': [0.49, 0.42]}")
        #expect(actions == [BrowserAction(kind: .click, position: RelativePoint(x: 0.49, y: 0.42))])
    }

    @Test("Several dicts in one reply are several actions, in order, with prose and code fences around them")
    func several() throws {
        let reply = """
            Sure. First I click the search box, then type.
            ```python
            {'action': 'CLICK', 'value': None, 'position': [0.49, 0.42]},
            {'action': 'INPUT', 'value': 'weather for New York city', 'position': [0.49, 0.42]},
            {'action': 'ENTER', 'value': None, 'position': None}
            ```
            """
        let actions = try parse(reply)
        #expect(actions.map(\.kind) == [.click, .input, .enter])
        #expect(actions[1].value == "weather for New York city" && actions[1].position == RelativePoint(x: 0.49, y: 0.42))
        #expect(actions[2].position == nil && actions[2].value == nil)
    }

    @Test("Escaped quotes, backslashes and True/False inside strings and values")
    func escapes() throws {
        let actions = try parse(#"{'action': 'INPUT', 'value': 'it\'s a \"test\" \\ ok', 'position': [0.1, 0.2], 'extra': True}"#)
        #expect(actions.first?.value == #"it's a "test" \ ok"#)
        let answer = try parse(#"{"action": "ANSWER", "value": "Paris, \"the\" capital", "position": null}"#)
        #expect(answer == [BrowserAction(kind: .answer, value: #"Paris, "the" capital"#)])
    }

    @Test("A drag's position is [[x1, y1], [x2, y2]]")
    func drag() throws {
        let actions = try parse("{'action': 'SELECT_TEXT', 'value': None, 'position': [[0.1, 0.2], [0.3, 0.4]]}")
        #expect(actions.first?.position == RelativePoint(x: 0.1, y: 0.2) && actions.first?.endPosition == RelativePoint(x: 0.3, y: 0.4))
        let swipe = try parse("{'action': 'SWIPE', 'value': None, 'position': [[0.5, 0.8], [0.5, 0.2]]}", mode: .phone)
        #expect(swipe.first?.kind == .swipe && swipe.first?.endPosition == RelativePoint(x: 0.5, y: 0.2))
    }

    @Test("Plain JSON from other models: lower-case names, x/y fields, pixel coordinates scaled by the screen")
    func otherModels() throws {
        #expect(try parse(#"{"action":"click","position":[0.25,0.75]}"#) == [BrowserAction(kind: .click, position: RelativePoint(x: 0.25, y: 0.75))])
        #expect(try parse(#"{"action": "Click", "x": 0.5, "y": 0.1}"#).first?.position == RelativePoint(x: 0.5, y: 0.1))
        // Pixels: divided by the 1000 × 500 screen.
        #expect(try parse(#"{"action": "click", "position": [250, 400]}"#).first?.position == RelativePoint(x: 0.25, y: 0.8))
        #expect(try parse(#"{"action": "tap", "x": 500, "y": 125}"#, mode: .phone).first?.position == RelativePoint(x: 0.5, y: 0.25))
        // Aliases and a <think> block whose draft is not the answer.
        let typed = try parse(#"<think>{"action": "CLICK", "position": [0.9, 0.9]}</think> {"action": "type", "text": "hello", "position": [0.2, 0.3]}"#)
        #expect(typed == [BrowserAction(kind: .input, value: "hello", position: RelativePoint(x: 0.2, y: 0.3))])
        #expect(try parse(#"{"action": "scroll_down"}"#) == [BrowserAction(kind: .scroll, value: "down")])
        // An action wrapped in a tool call.
        #expect(try parse(#"{"tool": "computer", "args": {"action": "HOVER", "position": [0.1, 0.2]}}"#) == [BrowserAction(kind: .hover, position: RelativePoint(x: 0.1, y: 0.2))])
    }

    @Test("SCROLL directions are normalised; a missing direction scrolls down")
    func scroll() throws {
        #expect(try parse("{'action': 'SCROLL', 'value': 'UP', 'position': None}").first?.value == "up")
        #expect(try parse("{'action': 'SCROLL', 'value': None, 'position': None}").first?.value == "down")
        #expect(failure("{'action': 'SCROLL', 'value': 'sideways', 'position': None}")?.contains("up, down, left or right") == true)
    }

    @Test("Actions outside the mode's action space are refused by name")
    func actionSpace() {
        #expect(failure("{'action': 'TAP', 'value': None, 'position': [0.5, 0.5]}", mode: .web) == "action 'TAP' is not in the web action space (CLICK, INPUT, SELECT, HOVER, ANSWER, ENTER, SCROLL, SELECT_TEXT, COPY)")
        #expect(failure("{'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]}", mode: .phone)?.contains("not in the phone action space") == true)
        #expect(failure("{'action': 'DANCE', 'value': None, 'position': None}")?.hasPrefix("unknown action 'DANCE'") == true)
    }

    @Test("Malformed replies fail with a message saying what is wrong", arguments: [
        ("I think I should click the search button.", "no action found"),
        ("{'action': 'CLICK', 'value': None, 'position': [0.5, 0.5]", "no action found"),
        ("{'action': 'CLICK', 'value': None, 'position': None}", "CLICK needs a position"),
        ("{'action': 'CLICK', 'value': None, 'position': [0.5]}", "'position' must be"),
        ("{'action': 'CLICK', 'value': None, 'position': [-0.5, 0.2]}", "non-negative"),
        ("{'action': 'SWIPE', 'value': None, 'position': [0.5, 0.5]}", "SWIPE needs a start and end"),
        ("{'action': 'INPUT', 'value': None, 'position': [0.5, 0.5]}", "INPUT needs the text"),
        ("{'action': 42}", "'action' must be a string"),
        ("", "no action found"),
    ])
    func malformed(reply: String, expected: String) {
        let message = failure(reply, mode: reply.contains("SWIPE") ? .phone : .web)
        #expect(message?.contains(expected) == true, "\(message ?? "parsed")")
    }

    @Test("Python literals: tuples, nesting, numbers, bare keys; garbage is an error, not a crash")
    func literals() throws {
        #expect(try PythonLiteral.parse("{'a': (1, 2.5, -3e2), b: [None, True, False, null, true]}") == ["a": [1, 2.5, -300.0], "b": [nil, true, false, nil, true]])
        #expect(try PythonLiteral.parse(#"'caf\u00e9'"#) == "café")
        for bad in ["{'a': }", "{'a' 1}", "'open", "[1, 2", "{'a': undefined}", String(repeating: "[", count: 100), "1 2"] {
            #expect(throws: PythonLiteral.SyntaxError.self) { try PythonLiteral.parse(bad) }
        }
        #expect(PythonLiteral.dicts(in: "x {bad} y {'k': 1} z {'j': {'n': 2}}") == [["k": 1], ["j": ["n": 2]]])
    }
}
