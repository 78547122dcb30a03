import Foundation

extension Store {
    /// A hash no password matches, verified when a login names no account, so that a
    /// failed login takes as long whether or not the account exists.
    private static let decoyHash = "$6$roostdecoysalt$8eCq5IQk2Bx5gZ0Gx2uS8m1w5f0jRfM1V5d7kZyB1vXcXk1m8y9Jq6nJ3n3t8d3jz1r2Kc6u9Z4a0h7f2b1c0."

    /// Checks a login (`name`, `name@domain`, `name%domain`, an alias) and its password.
    /// `localAddress` is the address the client connected to, for domain bindings.
    /// Returns nil on any failure, without saying which part failed.
    public func authenticate(login: String, password: String, localAddress: String? = nil) -> AccountRecord? {
        let address = Address(login)
        let resolution = address.detail == nil ? (try? directory.resolve(address, localAddress: localAddress)) ?? nil : nil
        guard let account = resolution?.account else {
            _ = Password.verify(password, against: Store.decoyHash)
            return nil
        }
        return Password.verify(password, against: account.passwordHash) ? account : nil
    }
}
