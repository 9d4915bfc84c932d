"""Agencies' storage and the outside world: one office's repositories (SQL), the other
services it asks by RPC, and the SMTP mailer."""
