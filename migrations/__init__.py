"""Alembic migrations for Conduit's PostgreSQL schema; run them with `conduit migrate`."""
