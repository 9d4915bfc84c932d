"""Intake: constituents, privacy releases and submissions; accepts work with nothing but its own
database."""
