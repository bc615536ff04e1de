"""In-memory twins of the PostgreSQL adapters, proven equivalent by tests/contract."""
