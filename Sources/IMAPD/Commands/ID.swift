/// ID (RFC 2971): who we are, and who the client says it is.
enum IDCommand {
    static let version = "0.1.0"

    static func serverFields() -> [IDField] {
        [IDField(name: "name", value: "Roost"), IDField(name: "version", value: version),
         IDField(name: "vendor", value: "Roost"), IDField(name: "support-url", value: nil)]
            .filter { $0.value != nil }
    }

    /// The client's name, as given ("Thunderbird", "Microsoft Outlook"...).
    static func clientName(_ fields: [IDField]?) -> String? {
        fields?.first { $0.name.lowercased() == "name" }?.value
    }
}
