import Store

/// The parts of SORT, ESORT and THREAD answers that are not a plain list of numbers.
extension ResponseEncoder {
    /// Numbers in the order given, as a sequence-set: runs that count up by one become
    /// ranges, anything else stays as it is (RFC 5267 §3.2: ESORT's ALL keeps the sort order).
    mutating func writeInOrder(_ numbers: [UInt32]) {
        var i = 0
        while i < numbers.count {
            if i > 0 { buffer.writeStaticString(",") }
            var j = i
            while j + 1 < numbers.count, numbers[j + 1] == numbers[j] &+ 1 { j += 1 }
            buffer.writeString(j > i ? "\(numbers[i]):\(numbers[j])" : String(numbers[i]))
            i = j + 1
        }
    }

    /// RFC 5256 §4 thread-list per thread: `(3 6 (4 23)(44 7 96))`. A message with one
    /// child continues its list; several children each open a nested list; a placeholder
    /// has only its children's lists. Written without recursion, for deep threads.
    mutating func writeThreads(_ forest: ThreadForest<UInt32>) {
        enum Step { case open, close, members(Int) }
        var steps: [Step] = []
        func push(_ nodes: [Int]) {
            for k in nodes.reversed() { steps += [.close, .members(k), .open] }
        }
        push(forest.roots)
        while let step = steps.popLast() {
            switch step {
            case .open: buffer.writeStaticString("(")
            case .close: buffer.writeStaticString(")")
            case .members(var k):
                // A chain of only children is one list: "3 6 ...".
                while let number = forest.nodes[k].member, forest.nodes[k].children.count == 1 {
                    buffer.writeString(String(number))
                    writeSpace()
                    k = forest.nodes[k].children[0]
                }
                let node = forest.nodes[k]
                if let number = node.member {
                    buffer.writeString(String(number))
                    if !node.children.isEmpty { writeSpace() }
                }
                push(node.children)
            }
        }
    }
}
