/// Failures of speech that a client can act on (the HTTP layer maps each to a status).
/// Unknown ids and invalid input are `HangarError`s, like everywhere else in Hangar.
public enum SpeechError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 503: the synthesiser cannot work at all (espeak-ng missing, server unreachable).
    case unavailable(String)
    /// 502: the synthesiser failed on this text (bad answer, non-zero exit, HTTP error).
    case synthesis(String)
    /// 504: the synthesiser did not answer in time.
    case timeout(String)
    /// 429: a limit on sessions, requests or queued text; retry after the given seconds.
    case limit(String, retryAfterSeconds: Int)

    public var description: String {
        switch self {
        case .unavailable(let message), .synthesis(let message), .timeout(let message): return message
        case .limit(let message, _): return message
        }
    }
}
