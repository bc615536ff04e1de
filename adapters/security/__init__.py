"""Password hashing, tokens and time."""
