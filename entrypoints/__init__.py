"""Ways into Conduit (HTTP API, CLI, queue worker) and the one container that assembles them."""
