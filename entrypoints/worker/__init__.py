"""The queue consumer: delivers outbox events to their handlers."""
