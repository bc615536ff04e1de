"""The metrics listener: prometheus-client's HTTP server, in a thread of the process, for one registry."""

from collections.abc import Callable

from prometheus_client import CollectorRegistry, start_http_server

from entrypoints.metrics import ListenerUnavailable


def listen(host: str, port: int, registry: CollectorRegistry, *, setting: str) -> Callable[[], None]:
    """Serve ``registry`` at ``http://host:port/metrics`` until the returned function is called."""
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        raise ListenerUnavailable(
            f"metrics cannot listen on {host}:{port} ({error.strerror}): set {setting} to a free port, "
            "or to 0 to turn metrics off"
        ) from None

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()

    return stop


def address(host: str, port: int) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/metrics"
