"""NATS JetStream adapters for the distributed profile: queues (a replicated log) and leases (KV)."""
