"""The REST API (RealWorld spec) on FastAPI."""
