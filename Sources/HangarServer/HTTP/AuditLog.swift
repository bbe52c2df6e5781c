import HangarCore
import HangarStore
import Hummingbird
import Logging

/// Records administrative changes and sensitive reads. Best effort: a failure to write the
/// entry is logged loudly but does not undo the change it describes.
enum AuditLog {
    static func record(
        _ store: any AuditStore, _ context: HangarRequestContext, action: String, resourceType: String, resourceID: String?,
        details: JSONValue = .emptyObject
    ) async {
        // Where the change came from: the client behind any trusted proxies.
        var details = details
        if case .object(var fields) = details, fields["client_ip"] == nil {
            fields["client_ip"] = context.clientAddress.map(JSONValue.string) ?? .null
            details = .object(fields)
        }
        let entry = AuditEntry(
            tenantID: context.tenantID, actor: context.actor, action: action, resourceType: resourceType, resourceID: resourceID,
            details: details)
        do {
            try await store.auditAppend(entry)
        } catch {
            context.logger.error("audit entry not written", metadata: ["action": .string(action), "error": "\(error)"])
        }
    }
}
