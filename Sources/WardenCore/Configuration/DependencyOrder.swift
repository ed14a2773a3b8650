/// Start order of children from their `depends_on` lists.
public enum DependencyOrder {
    /// Children ordered so that each comes after everything it depends on (stable otherwise).
    /// Unknown dependencies are ignored here; validation reports them.
    public static func startOrder(_ children: [ChildSpec]) -> [ChildSpec] {
        var placed = Set<String>()
        var order: [ChildSpec] = []
        var pending = children
        while !pending.isEmpty {
            let names = Set(pending.map(\.name))
            guard let next = pending.firstIndex(where: { child in
                child.dependsOn.allSatisfy { placed.contains($0) || !names.contains($0) || $0 == child.name }
            }) else {
                // A cycle: validation refuses such files; keep the configured order rather than loop.
                return order + pending
            }
            placed.insert(pending[next].name)
            order.append(pending.remove(at: next))
        }
        return order
    }

    /// One dependency cycle as a path of names (first name repeated at the end), or nil.
    public static func cycle(in children: [ChildSpec]) -> [String]? {
        let edges = Dictionary(children.map { ($0.name, $0.dependsOn) }, uniquingKeysWith: { first, _ in first })
        var state: [String: Bool] = [:]  // false: on the current path, true: done
        var path: [String] = []

        func visit(_ name: String) -> [String]? {
            if state[name] == true { return nil }
            if state[name] == false {
                return Array(path.drop { $0 != name }) + [name]
            }
            state[name] = false
            path.append(name)
            for next in edges[name] ?? [] where edges[next] != nil {
                if let found = visit(next) { return found }
            }
            path.removeLast()
            state[name] = true
            return nil
        }
        for child in children {
            if let found = visit(child.name) { return found }
        }
        return nil
    }
}
