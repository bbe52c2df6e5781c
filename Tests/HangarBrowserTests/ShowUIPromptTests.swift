import Foundation
import HangarAgents
import Testing

@testable import HangarBrowser

@Suite("ShowUI's navigation prompt")
struct ShowUIPromptTests {
    @Test("The system prompt lists the mode's action space and the output format")
    func system() {
        let web = ShowUIPrompt.system(mode: .web)
        #expect(web.contains("navigate the website screen"))
        #expect(web.contains("1. `CLICK`: Click on an element") && web.contains("9. `COPY`"))
        #expect(web.contains("{'action': 'ACTION_TYPE', 'value': 'element', 'position': [x,y]}"))
        #expect(web.contains("range of 0-1") && !web.contains("`TAP`"))
        let phone = ShowUIPrompt.system(mode: .phone)
        #expect(phone.contains("smartphone") && phone.contains("`SWIPE`") && phone.contains("`TAP`") && !phone.contains("`CLICK`"))
    }

    @Test("The user message: Task, the history as Step lines, the screenshot as a data URL")
    func user() throws {
        let history = [
            BrowserAction(kind: .click, position: RelativePoint(x: 0.5, y: 0.25)),
            BrowserAction(kind: .input, value: "it's", position: RelativePoint(x: 0.5, y: 0.25)),
        ]
        let message = ShowUIPrompt.user(task: "Find the weather", history: history, screenshot: Data([0xFF, 0xD8, 0xFF]))
        #expect(message.role == "user")
        #expect(
            message.content == """
                Task: Find the weather
                Action history:
                Step0: {'action': 'CLICK', 'value': None, 'position': [0.5, 0.25]}
                Step1: {'action': 'INPUT', 'value': 'it\\'s', 'position': [0.5, 0.25]}
                What is the next action?
                """)
        #expect(message.images == ["data:image/jpeg;base64,/9j/"])
        // The history lines are themselves readable actions.
        #expect(try ActionParser.parse(history[1].showUILiteral, mode: .web, screen: ScreenSize(width: 10, height: 10)) == [history[1]])
        #expect(!ShowUIPrompt.user(task: "t", history: [], screenshot: Data()).content.contains("Action history"))
    }
}
