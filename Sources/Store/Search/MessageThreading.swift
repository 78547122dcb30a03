/// The threading algorithms of RFC 5256 §3.
public enum ThreadAlgorithm: Sendable, Equatable, CaseIterable {
    /// "Poor man's threading": by base subject, then sent date.
    case orderedSubject
    /// By Message-ID, References and In-Reply-To, then by subject (JWZ's algorithm).
    case references
}

/// Threads as a flat table, so that a thread a hundred thousand replies deep costs no
/// recursion to build, walk or free. A node without a member is a placeholder for a parent
/// that is not among the messages (RFC 5256's "dummy").
public struct ThreadForest<Member: Sendable>: Sendable {
    public struct Node: Sendable {
        public var member: Member?
        /// Indices into `nodes`, in thread order.
        public var children: [Int]

        public init(member: Member?, children: [Int]) {
            self.member = member
            self.children = children
        }
    }

    public var nodes: [Node]
    /// The threads' first nodes, in order.
    public var roots: [Int]

    public init(nodes: [Node], roots: [Int]) {
        self.nodes = nodes
        self.roots = roots
    }

    public func map<T>(_ transform: (Member) throws -> T) rethrows -> ThreadForest<T> {
        ThreadForest<T>(nodes: try nodes.map { .init(member: try $0.member.map(transform), children: $0.children) }, roots: roots)
    }
}

public enum MessageThreading {
    /// `messages` (in ascending UID order) threaded by `algorithm`.
    public static func threads(_ messages: [SortFields], by algorithm: ThreadAlgorithm) -> ThreadForest<UID> {
        var threading = Threading(messages)
        switch algorithm {
        case .orderedSubject: threading.orderedSubject()
        case .references: threading.references()
        }
        let nodes = threading.children.indices.map { k in
            ThreadForest<UID>.Node(member: k < messages.count ? messages[k].uid : nil, children: threading.children[k])
        }
        return ThreadForest(nodes: nodes, roots: threading.roots)
    }
}

/// The working state: message `i` is node `i`, placeholders come after the messages.
private struct Threading {
    let messages: [SortFields]
    var children: [[Int]]
    var roots: [Int] = []

    init(_ messages: [SortFields]) {
        self.messages = messages
        children = Array(repeating: [], count: messages.count)
    }

    func isPlaceholder(_ k: Int) -> Bool { k >= messages.count }

    /// The order of RFC 5256 §2.2: sent date, then mailbox order; a placeholder sorts as its
    /// first child.
    func dateKey(_ k: Int) -> (Int64, Int) {
        var k = k
        while isPlaceholder(k) { k = children[k][0] }
        return (messages[k].sentOrInternalDate, k)
    }

    func byDate(_ nodes: [Int]) -> [Int] {
        nodes.sorted { dateKey($0) < dateKey($1) }
    }

    // MARK: ORDEREDSUBJECT

    /// RFC 5256 §3 ORDEREDSUBJECT: messages by base subject and sent date; each subject one
    /// thread whose first message is the parent of all the others; threads by their first
    /// message's sent date.
    mutating func orderedSubject() {
        let keys = messages.map { UnicodeCasemap.key(BaseSubject(subject: $0.subject).text) }
        let order = messages.indices.sorted { a, b in
            let c = UnicodeCasemap.compare(keys[a], keys[b])
            return c != 0 ? c < 0 : dateKey(a) < dateKey(b)
        }
        var firsts: [Int] = []
        var i = 0
        while i < order.count {
            let first = order[i]
            var j = i + 1
            while j < order.count, UnicodeCasemap.compare(keys[order[j]], keys[first]) == 0 { j += 1 }
            children[first] = Array(order[(i + 1)..<j])
            firsts.append(first)
            i = j
        }
        roots = byDate(firsts)
    }

    // MARK: REFERENCES

    /// RFC 5256 §3 REFERENCES, steps 1 to 6.
    mutating func references() {
        let parent = linkedParents()
        // Step 2: the messages and placeholders without a parent are the root's children.
        children = Array(repeating: [], count: parent.count)
        for k in parent.indices {
            if parent[k] >= 0 { children[parent[k]].append(k) } else { roots.append(k) }
        }
        prunePlaceholders()
        // Step 4: the root's children by sent date (a placeholder's children first).
        for r in roots where isPlaceholder(r) { children[r] = byDate(children[r]) }
        roots = byDate(roots)
        gatherBySubject()
        // Step 6: every set of siblings by sent date, the deepest first.
        for k in breadthFirst().reversed() { children[k] = byDate(children[k]) }
        roots = byDate(roots)
    }

    /// Step 1: each message's parent (-1 for none) from its references, with a placeholder
    /// for each referenced ID that no message has.
    func linkedParents() -> [Int] {
        var parent = [Int](repeating: -1, count: messages.count)
        // How many children each node has: a node with none is above no other, which spares
        // the walk up in the common case (a reply to the message before it).
        var childCount = [Int](repeating: 0, count: messages.count)
        var ids = MessageIDTable(capacity: messages.count)
        // The first message with an ID owns it; later ones with the same ID, or none, get
        // an ID of their own that nothing refers to.
        for i in messages.indices {
            MessageIDs.forEach(in: messages[i].messageID) { id in
                if ids.node(for: id) == nil { ids.insert(id, node: i) }
                return false
            }
        }
        func node(_ id: UnsafeRawBufferPointer) -> Int {
            if let k = ids.node(for: id) { return k }
            parent.append(-1)
            childCount.append(0)
            ids.insert(id, node: parent.count - 1)
            return parent.count - 1
        }
        /// Whether `a` is `b` or above it: linking `a` under `b` would make a loop.
        func isAncestor(_ a: Int, of b: Int) -> Bool {
            if a == b { return true }
            if childCount[a] == 0 { return false }
            var k = parent[b]
            while k >= 0 {
                if k == a { return true }
                k = parent[k]
            }
            return false
        }
        func link(_ child: Int, to newParent: Int) {
            if parent[child] >= 0 { childCount[parent[child]] -= 1 }
            parent[child] = newParent
            if newParent >= 0 { childCount[newParent] += 1 }
        }
        var chain: [Int] = []
        for i in messages.indices {
            chain.removeAll(keepingCapacity: true)
            MessageIDs.forEach(in: messages[i].references) { id in
                chain.append(node(id))
                return true
            }
            if chain.isEmpty {
                MessageIDs.forEach(in: messages[i].inReplyTo) { id in
                    chain.append(node(id))
                    return false
                }
            }
            // 1A: each reference the parent of the next, unless that one has a parent already
            // (References may have been cut short) or the link would make a loop.
            for (p, c) in zip(chain, chain.dropFirst()) where parent[c] < 0 && !isAncestor(c, of: p) {
                link(c, to: p)
            }
            // 1B: the last reference is the message's parent, replacing any parent 1A gave it.
            if let last = chain.last {
                if !isAncestor(i, of: last) { link(i, to: last) }
            } else {
                link(i, to: -1)
            }
        }
        return parent
    }

    /// Step 3: placeholders without children go; those with children give them to their own
    /// parent, except at the root, where only a single child moves up.
    mutating func prunePlaceholders() {
        for k in breadthFirst().reversed() where !children[k].isEmpty {
            var kept: [Int] = []
            for c in children[k] {
                if isPlaceholder(c) { kept += children[c] } else { kept.append(c) }
            }
            children[k] = kept
        }
        var top: [Int] = []
        for r in roots {
            guard isPlaceholder(r) else {
                top.append(r)
                continue
            }
            switch children[r].count {
            case 0: break
            case 1: top.append(children[r][0])
            default: top.append(r)
            }
        }
        roots = top
    }

    /// Step 5: threads at the root with one base subject become one thread.
    mutating func gatherBySubject() {
        // A thread's subject is its first message's, a placeholder's its first child's.
        let subjects = roots.map { BaseSubject(subject: messages[isPlaceholder($0) ? children[$0][0] : $0].subject) }
        let keys = subjects.map { UnicodeCasemap.key($0.text) }
        var isReply: [Int: Bool] = [:]
        for (r, subject) in zip(roots, subjects) { isReply[r] = !isPlaceholder(r) && subject.isReplyOrForward }
        // 5B: one node per subject, preferring a placeholder, then a message that is not a reply.
        var table: [[UInt8]: Int] = [:]
        for (r, key) in zip(roots, keys) where !key.isEmpty {
            guard let held = table[key] else {
                table[key] = r
                continue
            }
            if !isPlaceholder(held) && (isPlaceholder(r) || isReply[held]! && !isReply[r]!) { table[key] = r }
        }
        // 5C: every other thread with that subject joins the one in the table.
        var top = roots
        var position: [Int: Int] = [:]
        for (i, r) in roots.enumerated() { position[r] = i }
        for i in top.indices where !keys[i].isEmpty {
            let current = top[i]
            guard let held = table[keys[i]], held != current else { continue }
            if isPlaceholder(held) && isPlaceholder(current) {
                children[held] += children[current]
            } else if isPlaceholder(held) || isReply[current]! && !isReply[held]! {
                children[held].append(current)
            } else {
                children.append([held, current])
                let placeholder = children.count - 1
                top[position[held]!] = placeholder
                position[placeholder] = position[held]
                table[keys[i]] = placeholder
            }
            top[i] = -1
        }
        roots = top.filter { $0 >= 0 }
    }

    /// The nodes under the root, parents before their children.
    func breadthFirst() -> [Int] {
        var order = roots
        var i = 0
        while i < order.count {
            order += children[order[i]]
            i += 1
        }
        return order
    }
}
