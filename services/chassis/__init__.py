"""Plumbing every Casework service uses the same way: config, unit of work, outbox, inbox,
envelope, topology, health, metrics and tracing. No domain logic lives here."""
