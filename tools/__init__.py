"""Developer tools that ship with the checkout, not with the service: the benchmark."""
