/// Every row belongs to a tenant. Until authentication lands there is one, `default`.
public enum Tenant {
    public static let defaultID = "default"
}
