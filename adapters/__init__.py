"""Implementations of the application's ports: PostgreSQL, in-memory twins, security services."""
