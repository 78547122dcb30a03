extension Store {
    /// A login that may act for another account: SASL's authorization identity (RFC 4616),
    /// used by administrators to open a user's mailboxes as that user. Without `authorize`
    /// it is a plain login. Returns the account the session acts as, or nil.
    public func login(user: String, password: String, authorize: String?, localAddress: String?) throws -> AccountRecord? {
        guard let authenticated = authenticate(login: user, password: password, localAddress: localAddress) else { return nil }
        guard let authorize else { return authenticated }
        guard let target = try directory.resolve(Address(authorize), localAddress: localAddress)?.account,
              try directory.mayAdminister(authenticated, target) else { return nil }
        return target
    }
}
