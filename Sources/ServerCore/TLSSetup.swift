import NIOSSL

/// The server side of TLS (STARTTLS, STLS and the implicit-TLS ports) from PEM files.
public enum TLSSetup {
    public static func serverContext(certificate: String, key: String) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw ConfigurationError("cannot read the TLS certificate \(certificate): \(error)")
        }
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw ConfigurationError("cannot read the TLS key \(key): \(error)")
        }
        guard !chain.isEmpty else { throw ConfigurationError("\(certificate) holds no certificate") }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError("the TLS certificate and key do not work together: \(error)")
        }
    }
}
