import NIOCore
import ServerCore
import Store

/// Writes responses straight into a ByteBuffer. `utf8` says whether the client has
/// enabled UTF-8 (IMAP4rev2 or UTF8=ACCEPT): mailbox names then go out as UTF-8 instead
/// of modified UTF-7, and quoted strings may hold 8-bit text.
public struct ResponseEncoder {
    public var buffer: ByteBuffer
    public var utf8: Bool
    /// Items written so far in the FETCH response being written.
    var fetchItems = 0

    public init(utf8: Bool, buffer: ByteBuffer = ByteBuffer()) {
        self.utf8 = utf8
        self.buffer = buffer
    }

    public mutating func write(_ response: Response) {
        switch response {
        case .tagged(let tag, let status):
            buffer.writeString(tag)
            writeSpace()
            writeStatus(status)
        case .untagged(let status):
            buffer.writeStaticString("* ")
            writeStatus(status)
        case .continuation(let text):
            buffer.writeStaticString("+ ")
            buffer.writeString(text)
        case .capability(let caps):
            buffer.writeStaticString("* CAPABILITY ")
            buffer.writeString(caps.joined(separator: " "))
        case .enabled(let caps):
            buffer.writeStaticString("* ENABLED")
            for c in caps {
                writeSpace()
                buffer.writeString(c)
            }
        case .id(let fields):
            buffer.writeStaticString("* ID ")
            if let fields {
                buffer.writeStaticString("(")
                for (i, f) in fields.enumerated() {
                    if i > 0 { writeSpace() }
                    writeString(Array(f.name.utf8))
                    writeSpace()
                    writeNString(f.value.map { Array($0.utf8) })
                }
                buffer.writeStaticString(")")
            } else {
                buffer.writeStaticString("NIL")
            }
        case .flags(let flags):
            buffer.writeStaticString("* FLAGS (")
            buffer.writeString(flags.joined(separator: " "))
            buffer.writeStaticString(")")
        case .exists(let n):
            buffer.writeString("* \(n) EXISTS")
        case .recent(let n):
            buffer.writeString("* \(n) RECENT")
        case .expunge(let n):
            buffer.writeString("* \(n) EXPUNGE")
        case .vanished(let uids, let earlier):
            buffer.writeString(earlier ? "* VANISHED (EARLIER) \(uids)" : "* VANISHED \(uids)")
        case .list(let kind, let attributes, let name, let childInfo):
            buffer.writeString("* \(kind) (")
            buffer.writeString(attributes.joined(separator: " "))
            buffer.writeStaticString(") \"/\" ")
            writeMailbox(name)
            if childInfo { buffer.writeStaticString(" (\"CHILDINFO\" (\"SUBSCRIBED\"))") }
        case .listRenamed(let name, let oldName):
            buffer.writeStaticString("* LIST () \"/\" ")
            writeMailbox(name)
            buffer.writeStaticString(" (\"OLDNAME\" (")
            writeMailbox(oldName)
            buffer.writeStaticString("))")
        case .status(let name, let items):
            buffer.writeStaticString("* STATUS ")
            writeMailbox(name)
            buffer.writeStaticString(" (")
            buffer.writeString(items.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: " "))
            buffer.writeStaticString(")")
        case .search(let numbers, let modseq), .sort(let numbers, let modseq):
            if case .sort = response { buffer.writeStaticString("* SORT") } else { buffer.writeStaticString("* SEARCH") }
            for n in numbers { writeNumbered(" ", UInt64(n), "") }
            if let modseq { buffer.writeString(" (MODSEQ \(modseq))") }
        case .esearch(let tag, let uid, let items):
            buffer.writeStaticString("* ESEARCH (TAG ")
            writeString(Array(tag.utf8))
            buffer.writeStaticString(")")
            if uid { buffer.writeStaticString(" UID") }
            for item in items {
                switch item {
                case .min(let n): buffer.writeString(" MIN \(n)")
                case .max(let n): buffer.writeString(" MAX \(n)")
                case .all(let set): buffer.writeString(" ALL \(set)")
                case .allInOrder(let numbers):
                    buffer.writeStaticString(" ALL ")
                    writeInOrder(numbers)
                case .partial(let range, let set):
                    buffer.writeString(" PARTIAL (\(range) \(set.isEmpty ? "NIL" : set.description))")
                case .partialInOrder(let range, let numbers):
                    buffer.writeString(" PARTIAL (\(range) ")
                    if numbers.isEmpty { buffer.writeStaticString("NIL") } else { writeInOrder(numbers) }
                    buffer.writeStaticString(")")
                case .count(let n): buffer.writeString(" COUNT \(n)")
                case .modSeq(let m): buffer.writeString(" MODSEQ \(m)")
                }
            }
        case .thread(let forest):
            buffer.writeStaticString("* THREAD")
            if !forest.roots.isEmpty { writeSpace() }
            writeThreads(forest)
        case .namespace(let personal, let others, let shared):
            buffer.writeStaticString("* NAMESPACE ")
            for (i, group) in [personal, others, shared].enumerated() {
                if i > 0 { writeSpace() }
                guard !group.isEmpty else {
                    buffer.writeStaticString("NIL")
                    continue
                }
                buffer.writeStaticString("(")
                for (prefix, delimiter) in group {
                    buffer.writeStaticString("(")
                    writeString(encodedName(prefix))
                    buffer.writeString(" \"\(delimiter)\")")
                }
                buffer.writeStaticString(")")
            }
        case .acl(let name, let entries):
            buffer.writeStaticString("* ACL ")
            writeMailbox(name)
            for (identifier, rights) in entries {
                writeSpace()
                writeAString(Array(identifier.utf8))
                writeSpace()
                writeAString(Array(rights.utf8))
            }
        case .listRights(let name, let identifier, let required, let optional):
            buffer.writeStaticString("* LISTRIGHTS ")
            writeMailbox(name)
            writeSpace()
            writeAString(Array(identifier.utf8))
            writeSpace()
            writeAString(Array(required.utf8))
            for o in optional {
                writeSpace()
                writeAString(Array(o.utf8))
            }
        case .myRights(let name, let rights):
            buffer.writeStaticString("* MYRIGHTS ")
            writeMailbox(name)
            writeSpace()
            writeAString(Array(rights.utf8))
        case .quotaRoot(let name, let roots):
            buffer.writeStaticString("* QUOTAROOT ")
            writeMailbox(name)
            for root in roots {
                writeSpace()
                writeAString(Array(root.utf8))
            }
        case .quota(let root, let resources):
            buffer.writeStaticString("* QUOTA ")
            writeAString(Array(root.utf8))
            buffer.writeStaticString(" (")
            buffer.writeString(resources.map { "\($0.0) \($0.1) \($0.2)" }.joined(separator: " "))
            buffer.writeStaticString(")")
        case .metadata(let name, let entries):
            buffer.writeStaticString("* METADATA ")
            writeMailbox(name)
            buffer.writeStaticString(" (")
            for (i, (entry, value)) in entries.enumerated() {
                if i > 0 { writeSpace() }
                writeAString(Array(entry.description.utf8))
                writeSpace()
                if let value, value.contains(0) {
                    // RFC 5464 §5: `value = nstring / literal8`; NULs need the literal8.
                    buffer.writeString("~{\(value.count)}\r\n")
                    buffer.writeBytes(value)
                } else {
                    writeNString(value)
                }
            }
            buffer.writeStaticString(")")
        }
        buffer.writeStaticString("\r\n")
    }

    mutating func writeStatus(_ status: StatusResponse) {
        buffer.writeString(status.condition.rawValue)
        if let code = status.code {
            buffer.writeStaticString(" [")
            buffer.writeString(code.text)
            buffer.writeStaticString("]")
        }
        writeSpace()
        // Text is one line of printable ASCII whatever client text it quotes: a stray line
        // break would end the response early, a NUL or raw 8-bit is not IMAP (RFC 3501 §9).
        buffer.writeString(status.text.isEmpty ? "completed" : ClientText.quoted(status.text, limit: 1000))
    }

    mutating func writeSpace() { buffer.writeInteger(UInt8.space) }

    /// A mailbox name as the client reads it: UTF-8 or modified UTF-7, INBOX as an atom.
    public mutating func writeMailbox(_ name: String) {
        writeAString(encodedName(name))
    }

    func encodedName(_ name: String) -> [UInt8] {
        utf8 ? Array(name.utf8) : Array(ModifiedUTF7.encode(name).utf8)
    }

    /// An atom when the bytes allow it, else a quoted string or a literal.
    public mutating func writeAString(_ bytes: [UInt8]) {
        if !bytes.isEmpty, bytes.count < 1024, bytes.allSatisfy({ $0.isAtomChar }), bytes != Array("NIL".utf8) {
            buffer.writeBytes(bytes)
        } else {
            writeString(bytes)
        }
    }

    /// A quoted string when the bytes can be one, else a literal.
    public mutating func writeString(_ bytes: [UInt8]) {
        if bytes.count <= 4096, bytes.allSatisfy({ $0 != .cr && $0 != .lf && $0 != 0 && (utf8 || $0 < 0x80) }) {
            buffer.writeInteger(UInt8.quote)
            for b in bytes {
                if b == .quote || b == .backslash { buffer.writeInteger(UInt8.backslash) }
                buffer.writeInteger(b)
            }
            buffer.writeInteger(UInt8.quote)
        } else {
            writeLiteral(bytes)
        }
    }

    public mutating func writeNString(_ bytes: [UInt8]?) {
        if let bytes { writeString(bytes) } else { buffer.writeStaticString("NIL") }
    }

    public mutating func writeLiteral(_ bytes: [UInt8]) {
        buffer.writeString("{\(bytes.count)}\r\n")
        buffer.writeBytes(bytes)
    }
}
