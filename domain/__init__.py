"""Conduit's domain model: entities, value objects and the rules that hold whatever stores them."""
