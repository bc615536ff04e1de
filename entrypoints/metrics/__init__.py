"""Prometheus metrics, served on a listener of their own, never on the API's port.

Nothing here imports prometheus-client on import of the package: prometheus-client chooses between
in-memory values and its multiprocess files when it is first imported, so ``conduit serve`` must have
set ``PROMETHEUS_MULTIPROC_DIR`` before then (``entrypoints.metrics.serving``).
"""

# Where the HTTP error handlers leave the name of the budget a request refused with 429 had spent.
SPENT_BUDGET = "conduit.spent_budget"


class ListenerUnavailable(Exception):
    """The metrics listener could not bind its address; the message says which setting to change."""
