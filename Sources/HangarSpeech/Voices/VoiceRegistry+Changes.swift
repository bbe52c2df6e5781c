import Foundation
import HangarCore

/// Adding, changing and removing voices through the API.
extension VoiceRegistry {
    /// Fields of an entry the API accepts; anything else in a request body is ignored.
    static let entryFields: Set<String> = ["ref_audio", "ref_text", "styles", "params", "engine_voice"]

    /// Adds a voice; 409 if the id exists (as a valid or an invalid entry).
    public func create(id: String, fields: [String: JSONValue]) throws -> Voice {
        if let issue = VoiceValidator.checkID(id) { throw HangarError.invalid(field: "voice_id", message: issue.message) }
        var entry = fields.filter { Self.entryFields.contains($0.key) && $0.value != .null }
        let now = Timestamp.format(Date())
        entry["created_at"] = .string(now)
        entry["updated_at"] = .string(now)
        _ = try check(id: id, entry: .object(entry))
        try rewrite { document in
            if document[id] != nil { throw HangarError.conflict("voice '\(id)' already exists; use PUT /api/v1/voices/\(id) to change it") }
            document[id] = .object(entry)
        }
        return try stored(id)
    }

    /// Changes the fields given (`null` removes one; `params` merges key by key). The
    /// built-in default voice can be changed: that writes it to the file.
    public func update(id: String, fields: [String: JSONValue]) throws -> Voice {
        try rewrite { document in
            var entry: [String: JSONValue]
            if let existing = document[id] {
                entry = existing.objectValue ?? [:]
            } else if id == defaultVoiceID {
                entry = ["created_at": .string(Timestamp.format(Date()))]
            } else {
                throw HangarError.notFound(resource: "voice", id: id)
            }
            for (key, value) in fields where Self.entryFields.contains(key) {
                if key == "params", case .object(let changes) = value, case .object(var params)? = entry["params"] {
                    for (name, number) in changes { params[name] = number == .null ? nil : number }
                    entry["params"] = .object(params)
                } else {
                    entry[key] = value == .null ? nil : value
                }
            }
            entry["updated_at"] = .string(Timestamp.format(Date()))
            _ = try check(id: id, entry: .object(entry))
            document[id] = .object(entry)
        }
        return try stored(id)
    }

    /// Removes a voice from the file (the built-in default cannot be removed).
    public func delete(id: String) throws {
        try rewrite { document in
            guard document.removeValue(forKey: id) != nil else {
                if id == defaultVoiceID { throw HangarError.conflict("the built-in default voice cannot be deleted") }
                throw HangarError.notFound(resource: "voice", id: id)
            }
        }
    }

    private func stored(_ id: String) throws -> Voice {
        guard case .valid(let voice) = lookup(id) else { throw HangarError.conflict("voice '\(id)' changed on disk while it was being written") }
        return voice
    }
}
