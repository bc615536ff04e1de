"""The PostgreSQL read side: the query ports, each call one SQL statement (tests/integration counts them)."""
