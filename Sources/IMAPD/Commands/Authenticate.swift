/// AUTHENTICATE (RFC 9051 §6.2.2) with SASL PLAIN (RFC 4616) and LOGIN, initial responses
/// allowed (RFC 4959 SASL-IR). This reads the client's answers; checking the
/// credentials is the connection's work off the event loop.
enum SASL: Equatable, Sendable {
    case plain
    case loginUser
    case loginPassword(user: String)

    struct Credentials: Equatable, Sendable {
        var user: String
        var password: String
        /// The identity to act as (an administrator opening a user's mailboxes).
        var authorize: String?
    }

    enum Step: Equatable {
        /// Send this continuation (`+ text`) and wait for the next line.
        case challenge(String, SASL)
        case credentials(Credentials)
        case failure(StatusResponse)
    }

    static let userChallenge = "VXNlcm5hbWU6"      // "Username:"
    static let passwordChallenge = "UGFzc3dvcmQ6"  // "Password:"

    /// The first step for a mechanism and its initial response, if any.
    static func start(_ mechanism: String, initialResponse: [UInt8]?) -> Step {
        switch mechanism {
        case "PLAIN":
            guard let initial = initialResponse else { return .challenge("", .plain) }
            return plain(initial)
        case "LOGIN":
            guard let initial = initialResponse else { return .challenge(userChallenge, .loginUser) }
            return .challenge(passwordChallenge, .loginPassword(user: String(decoding: initial, as: UTF8.self)))
        default:
            return .failure(.no("Unsupported authentication mechanism", .cannot))
        }
    }

    /// The next step after the client's response line.
    func next(_ line: String) -> Step {
        if line == "*" { return .failure(.bad("Authentication cancelled")) }
        guard let bytes = Base64.decode(line) else { return .failure(.bad("Invalid base64 in the response")) }
        switch self {
        case .plain:
            return SASL.plain(bytes)
        case .loginUser:
            return .challenge(SASL.passwordChallenge, .loginPassword(user: String(decoding: bytes, as: UTF8.self)))
        case .loginPassword(let user):
            return .credentials(Credentials(user: user, password: String(decoding: bytes, as: UTF8.self), authorize: nil))
        }
    }

    /// RFC 4616: `authzid NUL authcid NUL password`.
    static func plain(_ bytes: [UInt8]) -> Step {
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[1].isEmpty else { return .failure(.bad("Malformed PLAIN response")) }
        let authorize = String(decoding: parts[0], as: UTF8.self)
        let user = String(decoding: parts[1], as: UTF8.self)
        return .credentials(Credentials(user: user, password: String(decoding: parts[2], as: UTF8.self),
                                        authorize: authorize.isEmpty || authorize == user ? nil : authorize))
    }
}
