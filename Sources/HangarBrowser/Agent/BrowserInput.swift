import Foundation
public import HangarCore

/// A browser task's input (seed 000's shape), parsed once: the API rejects a bad field at
/// submission (422 naming it) and the executor trusts what it gets.
///
/// ```json
/// {"task": "Search for Python tutorials", "url": "https://example.com", "mode": "web",
///  "max_steps": 10, "timeout": 300, "session_id": "ses_…",
///  "options": {"screen_resolution": "1920x1080", "save_screenshots": true,
///              "refinement_steps": 2, "enable_capture": true}}
/// ```
public struct BrowserInput: Sendable, Equatable {
    public var task: String
    /// Opened before the first step; without it the agent starts on whatever page is showing.
    public var url: String?
    public var mode: BrowserMode
    public var maxSteps: Int
    /// Seconds the whole run may take, on top of the task's own timeout.
    public var timeout: Double?
    public var resolution: ScreenSize
    public var saveScreenshots: Bool
    public var refinementSteps: Int
    public var enableCapture: Bool
    /// A persistent session (`POST /api/v1/sessions`) to run in instead of a fresh browser.
    public var sessionID: String?
    /// `options.capture_options`: this episode's `fps`, `jpeg_quality`, `min_frames`,
    /// `timeout_seconds` over the capture's configured ones.
    public var captureFPS: Double?
    public var captureJPEGQuality: Int?
    public var captureMinFrames: Int?
    public var captureTimeout: Double?

    public static let defaultMaxSteps = 20
    public static let maxStepsRange = 1...100
    public static let refinementRange = 0...5
    public static let defaultResolution = ScreenSize(width: 1280, height: 720)
    static let widthRange = 320...7680
    static let heightRange = 240...4320
    static let timeoutRange = 1.0...86_400.0

    /// The task as submitted: seed 000's API keeps `mode`, `max_steps` and `options` beside the
    /// input (in the task's `options` and `max_steps`), so they are folded in here; a value in
    /// the input itself wins.
    public static func parse(input: JSONValue, taskOptions: JSONValue, taskMaxSteps: Int?) throws(HangarError) -> BrowserInput {
        guard case .object(var fields) = input else { throw HangarError.invalid(field: "input", message: "must be an object") }
        if case .object(let extra) = taskOptions, !extra.isEmpty {
            var options: [String: JSONValue] = [:]
            if case .object(let inner)? = fields["options"] { options = inner }
            for (key, value) in extra {
                switch key {
                case "mode", "session_id", "url":
                    if present(fields[key]) == nil { fields[key] = value }
                default:
                    if options[key] == nil { options[key] = value }
                }
            }
            fields["options"] = .object(options)
        }
        if present(fields["max_steps"]) == nil, let taskMaxSteps {
            guard maxStepsRange.contains(taskMaxSteps) else {
                throw HangarError.invalid(field: "max_steps", message: "must be from 1 to \(maxStepsRange.upperBound) for a browser agent")
            }
            fields["max_steps"] = .int(Int64(taskMaxSteps))
        }
        return try parse(.object(fields))
    }

    public static func parse(_ input: JSONValue) throws(HangarError) -> BrowserInput {
        guard case .object(let fields) = input else { throw HangarError.invalid(field: "input", message: "must be an object") }
        guard let task = fields["task"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !task.isEmpty else {
            throw HangarError.invalid(field: "input.task", message: "is required: a non-empty string saying what to do")
        }
        var result = BrowserInput(
            task: task, url: nil, mode: .web, maxSteps: defaultMaxSteps, timeout: nil, resolution: defaultResolution, saveScreenshots: false,
            refinementSteps: 0, enableCapture: false, sessionID: nil)

        if let value = present(fields["url"]) {
            guard let url = value.stringValue, let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                parsed.host?.isEmpty == false
            else { throw HangarError.invalid(field: "input.url", message: "must be an http or https URL") }
            result.url = url
        }
        if let value = present(fields["mode"]) {
            guard let mode = value.stringValue.flatMap(BrowserMode.init(rawValue:)) else {
                throw HangarError.invalid(field: "input.mode", message: "must be web or phone")
            }
            result.mode = mode
        }
        if let value = present(fields["max_steps"]) {
            guard let steps = value.intValue, maxStepsRange.contains(steps) else {
                throw HangarError.invalid(field: "input.max_steps", message: "must be an integer from 1 to \(maxStepsRange.upperBound)")
            }
            result.maxSteps = steps
        }
        if let value = present(fields["timeout"]) {
            guard let seconds = value.doubleValue, timeoutRange.contains(seconds) else {
                throw HangarError.invalid(field: "input.timeout", message: "must be a number of seconds from 1 to 86400")
            }
            result.timeout = seconds
        }
        if let value = present(fields["session_id"]) {
            guard let id = value.stringValue, !id.isEmpty else {
                throw HangarError.invalid(field: "input.session_id", message: "must be a session id (ses_…)")
            }
            result.sessionID = id
        }
        if let value = present(fields["options"]) {
            guard case .object(let options) = value else { throw HangarError.invalid(field: "input.options", message: "must be an object") }
            try parseOptions(options, into: &result)
        }
        return result
    }

    private static func parseOptions(_ options: [String: JSONValue], into result: inout BrowserInput) throws(HangarError) {
        if let value = present(options["screen_resolution"]) { result.resolution = try resolution(value) }
        if let value = present(options["save_screenshots"]) {
            guard let flag = value.boolValue else { throw HangarError.invalid(field: "input.options.save_screenshots", message: "must be a boolean") }
            result.saveScreenshots = flag
        }
        if let value = present(options["enable_capture"]) {
            guard let flag = value.boolValue else { throw HangarError.invalid(field: "input.options.enable_capture", message: "must be a boolean") }
            result.enableCapture = flag
        }
        if let value = present(options["refinement_steps"]) {
            guard let steps = value.intValue, refinementRange.contains(steps) else {
                throw HangarError.invalid(field: "input.options.refinement_steps", message: "must be an integer from 0 to \(refinementRange.upperBound)")
            }
            result.refinementSteps = steps
        }
        if let value = present(options["capture_options"]) {
            let field = "input.options.capture_options"
            guard case .object(let capture) = value else { throw HangarError.invalid(field: field, message: "must be an object") }
            if let fps = present(capture["fps"]) {
                guard let number = fps.doubleValue, number > 0, number <= 30 else {
                    throw HangarError.invalid(field: field + ".fps", message: "must be a number in (0, 30]")
                }
                result.captureFPS = number
            }
            if let quality = present(capture["jpeg_quality"]) {
                guard let number = quality.intValue, (1...100).contains(number) else {
                    throw HangarError.invalid(field: field + ".jpeg_quality", message: "must be an integer from 1 to 100")
                }
                result.captureJPEGQuality = number
            }
            if let frames = present(capture["min_frames"]) {
                guard let number = frames.intValue, (0...100_000).contains(number) else {
                    throw HangarError.invalid(field: field + ".min_frames", message: "must be an integer from 0 to 100000")
                }
                result.captureMinFrames = number
            }
            if let timeout = present(capture["timeout_seconds"]) {
                guard let number = timeout.doubleValue, number > 0, number <= 86_400 else {
                    throw HangarError.invalid(field: field + ".timeout_seconds", message: "must be a number of seconds in (0, 86400]")
                }
                result.captureTimeout = number
            }
        }
    }

    /// `"1280x720"` or `{"width": 1280, "height": 720}`.
    public static func resolution(_ value: JSONValue) throws(HangarError) -> ScreenSize {
        let field = "input.options.screen_resolution"
        var size: ScreenSize?
        if let text = value.stringValue {
            let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) { size = ScreenSize(width: width, height: height) }
        } else if let width = value["width"]?.intValue, let height = value["height"]?.intValue {
            size = ScreenSize(width: width, height: height)
        }
        guard let size else { throw HangarError.invalid(field: field, message: "must be \"WIDTHxHEIGHT\" (e.g. \"1280x720\") or {width, height}") }
        guard widthRange.contains(size.width), heightRange.contains(size.height) else {
            throw HangarError.invalid(
                field: field,
                message: "width must be \(widthRange.lowerBound)–\(widthRange.upperBound) and height \(heightRange.lowerBound)–\(heightRange.upperBound)")
        }
        return size
    }

    /// `null` counts as absent, as an omitted field.
    private static func present(_ value: JSONValue?) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        return value
    }
}
