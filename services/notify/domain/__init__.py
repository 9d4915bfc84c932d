"""Notify's rules, free of I/O: when an acknowledgement is due, and what a delivery may do next."""
