import Foundation
import HangarCore
import HangarRuntime

@testable import HangarBrowser

/// A screen that records what was done to it. Its screenshots are real JPEGs (one colour per
/// screenshot, so each step's image differs), at the screen's size.
actor FakeEnvironment: BrowserEnvironment {
    nonisolated let kind = "fake"
    let size: ScreenSize
    private(set) var performed: [BrowserAction] = []
    private(set) var navigations: [String] = []
    private(set) var screenshots = 0
    /// Actions begun, including one still in progress.
    private(set) var begun = 0
    private(set) var closed = 0
    private var currentURL = "about:blank"
    /// Makes `perform` throw for this action kind.
    var failOn: BrowserAction.Kind?
    /// How long each `perform` takes.
    var actionDelay: Duration = .zero

    init(size: ScreenSize = ScreenSize(width: 1280, height: 720)) {
        self.size = size
    }

    func setFailOn(_ kind: BrowserAction.Kind?) { failOn = kind }
    func setActionDelay(_ delay: Duration) { actionDelay = delay }

    func screenSize() async throws -> ScreenSize { size }

    func screenshot(quality: Int) async throws -> Data {
        screenshots += 1
        let shade = UInt8(truncatingIfNeeded: screenshots * 40)
        let pixels = [UInt8](repeating: shade, count: size.width * size.height * 3)
        return try JPEGImage(width: size.width, height: size.height, pixels: pixels).jpeg(quality: quality)
    }

    func perform(_ action: BrowserAction) async throws {
        begun += 1
        if action.kind == failOn { throw FakeError(message: "cannot \(action.kind.rawValue)") }
        if actionDelay > .zero { try await Task.sleep(for: actionDelay) }
        performed.append(action)
    }

    func navigate(to url: String) async throws {
        navigations.append(url)
        currentURL = url
    }

    func page() async throws -> PageInfo { PageInfo(url: currentURL, title: "Fake page") }

    func close() async { closed += 1 }
}

struct FakeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Hands out one environment and records how it was asked for and given back.
actor FakeEnvironmentProvider: BrowserEnvironmentProvider {
    let environment: FakeEnvironment
    private(set) var specs: [EnvironmentSpec] = []
    private(set) var resolutions: [ScreenSize] = []
    private(set) var released = 0

    init(environment: FakeEnvironment) {
        self.environment = environment
    }

    func environment(for spec: EnvironmentSpec, resolution: ScreenSize, context: TaskContext) async throws -> EnvironmentLease {
        specs.append(spec)
        resolutions.append(resolution)
        return EnvironmentLease(environment: environment, closeAfterTask: true) { await self.markReleased() }
    }

    private func markReleased() { released += 1 }
}
