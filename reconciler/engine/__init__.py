"""The engine: observe live resources, compare with the desired state, plan, and apply in
dependency order (with the session that wires it to a target, LRO tokens and resume)."""
