"""Notify's rules, free of I/O: when an acknowledgement or a status-page code is due, and how
a delivery moves between states (the `Delivery` aggregate)."""
