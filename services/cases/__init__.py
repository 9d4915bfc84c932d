"""The cases service."""
