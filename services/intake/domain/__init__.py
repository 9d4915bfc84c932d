"""Intake's rules, free of I/O: submissions, constituent matching, tracking codes."""
