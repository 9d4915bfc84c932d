"""Intake's rules, free of I/O: submissions and their receipts, constituent matching,
tracking codes, idempotency."""
