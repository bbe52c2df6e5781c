import HangarCore

/// A browser agent's `config`, read once per task. Bad values fail the task naming the field.
struct BrowserAgentConfig: Sendable {
    var environment: EnvironmentSpec.Config
    var systemPrompt: String?
    var jpegQuality: Int
    var temperature: Double?
    var maxTokens: Int?
    var parseRetries: Int

    static func parse(_ config: JSONValue) throws(HangarError) -> BrowserAgentConfig {
        let fields = config.objectValue ?? [:]
        var result = BrowserAgentConfig(
            environment: try EnvironmentSpec.Config.parse(fields["environment"]), systemPrompt: nil,
            jpegQuality: BrowserExecutor.defaultJPEGQuality, temperature: nil, maxTokens: nil, parseRetries: BrowserExecutor.defaultParseRetries)
        if let value = fields["system_prompt"], !value.isNull {
            guard let text = value.stringValue else { throw HangarError.invalid(field: "config.system_prompt", message: "must be a string") }
            result.systemPrompt = text.isEmpty ? nil : text
        }
        if let value = fields["jpeg_quality"], !value.isNull {
            guard let quality = value.intValue, (1...100).contains(quality) else {
                throw HangarError.invalid(field: "config.jpeg_quality", message: "must be an integer from 1 to 100")
            }
            result.jpegQuality = quality
        }
        if let value = fields["temperature"], !value.isNull {
            guard let temperature = value.doubleValue, (0...2).contains(temperature) else {
                throw HangarError.invalid(field: "config.temperature", message: "must be a number from 0 to 2")
            }
            result.temperature = temperature
        }
        if let value = fields["max_tokens"], !value.isNull {
            guard let tokens = value.intValue, tokens > 0 else { throw HangarError.invalid(field: "config.max_tokens", message: "must be a positive integer") }
            result.maxTokens = tokens
        }
        if let value = fields["parse_retries"], !value.isNull {
            guard let retries = value.intValue, (0...3).contains(retries) else {
                throw HangarError.invalid(field: "config.parse_retries", message: "must be an integer from 0 to 3")
            }
            result.parseRetries = retries
        }
        return result
    }
}
