"""Agencies' rules, free of I/O: the agency directory and which agency a new case concerns."""
