import Foundation
import HangarCore
import HangarTimers
import Synchronization

extension CDPEnvironment {
    /// Carries out `action`, then waits for a navigation it started (bounded).
    ///
    /// COPY: a headless browser has no dependable system clipboard, so the text (`value`, or
    /// the page's current selection) is kept as `copiedText` and published to the page as
    /// `window.__hangarClipboard`, where page scripts and later steps can read it.
    public func perform(_ action: BrowserAction) async throws {
        let before = loads.snapshot
        try await dispatch(action)
        try await settle(after: before)
    }

    private func dispatch(_ action: BrowserAction) async throws {
        let phone = options.mode == .phone
        switch action.kind {
        case .click, .tap:
            let point = try point(action.position, for: action.kind)
            if phone { try await tab.tap(x: point.x, y: point.y) } else { try await tab.click(x: point.x, y: point.y) }
        case .hover:
            let point = try point(action.position, for: action.kind)
            try await tab.hover(x: point.x, y: point.y)
        case .input:
            guard let text = action.value else { throw BrowserActionError.missingValue(.input) }
            if let position = action.position {
                let point = self.point(position)
                if phone { try await tab.tap(x: point.x, y: point.y) } else { try await tab.click(x: point.x, y: point.y) }
            }
            // Replace what the field holds rather than append to it: a retried INPUT must not
            // leave the text twice.
            try await tab.evaluate(Self.selectFocusedFieldScript)
            try await tab.insertText(text)
        case .enter:
            try await tab.pressEnter()
        case .scroll:
            let direction = try ScrollDirection(parsing: action.value, for: .scroll)
            let point = action.position.map(self.point) ?? centre
            let delta = scrollDelta(direction)
            try await tab.wheel(x: point.x, y: point.y, deltaX: delta.x, deltaY: delta.y)
        case .swipe:
            try await swipe(action)
        case .select:
            try await select(action)
        case .selectText:
            let start = try point(action.position, for: .selectText)
            let end = try point(action.endPosition, for: .selectText)
            try await tab.drag(from: start, to: end)
        case .copy:
            var text = action.value
            if text == nil { text = try await tab.evaluate("String(window.getSelection() ?? '')").stringValue }
            clipboard.withLock { $0 = text }
            let literal = JSONText.encode(.string(text ?? ""))
            try await tab.evaluate("window.__hangarClipboard = \(literal); true")
        case .answer:
            break  // the agent loop records the answer; nothing happens on the screen
        }
    }

    /// SWIPE with two points drags a finger between them; with a direction it moves the
    /// finger that way from the centre by a third of the screen. In web mode, where pages
    /// ignore touch, a swipe scrolls the way the finger would push the content.
    private func swipe(_ action: BrowserAction) async throws {
        let start: (x: Double, y: Double)
        let end: (x: Double, y: Double)
        if let from = action.position, let to = action.endPosition {
            start = point(from)
            end = point(to)
        } else {
            let direction = try ScrollDirection(parsing: action.value, for: .swipe)
            start = action.position.map(self.point) ?? centre
            let dx = Double(options.screen.width) / 3, dy = Double(options.screen.height) / 3
            switch direction {
            case .up: end = (start.x, start.y - dy)
            case .down: end = (start.x, start.y + dy)
            case .left: end = (start.x - dx, start.y)
            case .right: end = (start.x + dx, start.y)
            }
        }
        if options.mode == .phone {
            try await tab.swipe(from: start, to: end)
        } else {
            try await tab.wheel(x: start.x, y: start.y, deltaX: start.x - end.x, deltaY: start.y - end.y)
        }
    }

    /// A `<select>` under the point gets the option whose text or value matches (exactly,
    /// then ignoring case and spaces), with the `input` and `change` events a user's choice
    /// fires. Anything else is clicked.
    private func select(_ action: BrowserAction) async throws {
        let point = try point(action.position, for: .select)
        guard let value = action.value else {
            if options.mode == .phone { try await tab.tap(x: point.x, y: point.y) } else { try await tab.click(x: point.x, y: point.y) }
            return
        }
        let script = Self.selectOptionScript(x: point.x, y: point.y, value: value)
        let result = try await tab.evaluate(script)
        switch result["status"]?.stringValue {
        case "selected":
            return
        case "missing":
            let available = result["options"]?.arrayValue?.compactMap(\.stringValue) ?? []
            throw BrowserActionError.optionNotFound(value: value, available: available)
        default:
            try await tab.click(x: point.x, y: point.y)
        }
    }

    /// After an action: give the page `settleDelay` to start a navigation; if it did, wait
    /// for the load (bounded by `navigationTimeout`).
    private func settle(after before: PageLoadTracker.Snapshot) async throws {
        try await Timers.sleep(for: options.settleDelay)
        guard loads.snapshot.navigations > before.navigations else { return }
        _ = await loads.waitForLoad(above: before.loads, timeout: options.navigationTimeout)
    }

    // MARK: - Geometry

    var centre: (x: Double, y: Double) {
        (Double(options.screen.width) / 2, Double(options.screen.height) / 2)
    }

    func point(_ relative: RelativePoint) -> (x: Double, y: Double) {
        let pixel = options.screen.pixel(relative)
        return (Double(pixel.x), Double(pixel.y))
    }

    func point(_ relative: RelativePoint?, for kind: BrowserAction.Kind) throws -> (x: Double, y: Double) {
        guard let relative else { throw BrowserActionError.missingPosition(kind) }
        return point(relative)
    }

    /// Two thirds of the viewport: a page's worth of motion that keeps some context on screen.
    func scrollDelta(_ direction: ScrollDirection) -> (x: Double, y: Double) {
        let x = (Double(options.screen.width) * 2 / 3).rounded(), y = (Double(options.screen.height) * 2 / 3).rounded()
        switch direction {
        case .up: return (0, -y)
        case .down: return (0, y)
        case .left: return (-x, 0)
        case .right: return (x, 0)
        }
    }

    // MARK: - Page scripts

    static let selectFocusedFieldScript = """
        (() => { const e = document.activeElement;
          if (e && (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA') && typeof e.select === 'function') { e.select(); return true; }
          if (e && e.isContentEditable) { document.execCommand('selectAll'); return true; }
          return false; })()
        """

    static func selectOptionScript(x: Double, y: Double, value: String) -> String {
        let wanted = JSONText.encode(.string(value))
        return """
            (() => { const hit = document.elementFromPoint(\(x), \(y));
              const select = hit && (hit.tagName === 'SELECT' ? hit : hit.closest('select'));
              if (!select) return {status: 'none'};
              const wanted = \(wanted); const loose = s => String(s).trim().replace(/\\s+/g, ' ').toLowerCase();
              const options = Array.from(select.options);
              const match = options.find(o => o.text === wanted || o.value === wanted)
                || options.find(o => loose(o.text) === loose(wanted) || loose(o.value) === loose(wanted));
              if (!match) return {status: 'missing', options: options.map(o => o.text)};
              select.focus(); select.value = match.value;
              select.dispatchEvent(new Event('input', {bubbles: true}));
              select.dispatchEvent(new Event('change', {bubbles: true}));
              return {status: 'selected', value: match.value}; })()
            """
    }
}
