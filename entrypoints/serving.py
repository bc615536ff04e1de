"""Serve an ASGI app with uvicorn, giving each worker process a listening socket of its own.

uvicorn's workers share the one socket the supervisor binds. A worker that wakes on it accepts every
connection waiting, so a burst of keep-alive connections (a load balancer's pool, a benchmark's
clients) can all land on one worker while the others idle. With `SO_REUSEPORT` each worker listens on
a socket of its own at the same address, and the kernel spreads new connections across them.
"""

import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

logger = logging.getLogger("uvicorn.error")


# Linux spreads connections across the sockets of a SO_REUSEPORT group. macOS and the BSDs accept the
# option without spreading (FreeBSD has a separate SO_REUSEPORT_LB); there uvicorn's shared socket stays.
SPREADS_CONNECTIONS = sys.platform.startswith("linux")


def run(app: str, *, host: str, port: int, workers: int, reload: bool = False, **options: Any) -> None:
    """`uvicorn.run` for an import string, with a listening socket per worker on Linux."""
    if workers == 1 or reload or not SPREADS_CONNECTIONS:
        uvicorn.run(app, host=host, port=port, workers=workers, reload=reload, **options)
        return
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    try:
        reservation = _reserve(config.host, config.port)
    except OSError as error:
        logger.error(error)
        sys.exit(STARTUP_FAILURE)
    bound_host, bound_port = reservation.getsockname()[:2]
    logger.info("Uvicorn running on http://%s:%d, a socket per worker", bound_host, bound_port)
    try:
        Multiprocess(config, sockets=[reservation]).run()
    except KeyboardInterrupt:
        pass
    finally:
        reservation.close()


class PerWorkerSocket(socket.socket):
    """The supervisor's hold on the address: bound, never listening, so no connection queues on it.

    A worker receives its copy by pickling, and unpickling binds a fresh `SO_REUSEPORT` socket to the
    same address; uvicorn then listens on it. A worker the supervisor restarts binds its own again.
    """

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        return (_bind, (self.family, self.getsockname()))


def _reserve(host: str, port: int) -> PerWorkerSocket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # SO_REUSEPORT would also let this server join the listeners of another one running as the same
    # user, and quietly take half its connections; a plain bind first fails on any listener there.
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    sock = PerWorkerSocket(family, socket.SOCK_STREAM)
    _bind_reusable(sock, (host, port))
    return sock


def _bind(family: socket.AddressFamily, address: tuple[Any, ...]) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    _bind_reusable(sock, address)
    return sock


def _bind_reusable(sock: socket.socket, address: tuple[Any, ...]) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
