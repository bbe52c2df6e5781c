public import HangarCore

/// A definition's contents as one version records them (already validated).
public struct WorkflowWriteParams: Sendable {
    public var tenantID: String
    public var draft: WorkflowDraft

    public init(tenantID: String, draft: WorkflowDraft) {
        self.tenantID = tenantID
        self.draft = draft
    }
}

public struct WorkflowListParams: Sendable {
    public var tenantID: String
    /// Only definitions whose name contains this, ignoring ASCII case.
    public var nameContains: String?
    public var limit: Int
    public var offset: Int

    public init(tenantID: String, nameContains: String? = nil, limit: Int = 100, offset: Int = 0) {
        self.tenantID = tenantID
        self.nameContains = nameContains
        self.limit = limit
        self.offset = offset
    }
}
