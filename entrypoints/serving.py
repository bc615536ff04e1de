"""Serve an ASGI app with uvicorn, with one listening socket per worker process.

uvicorn's own ``--workers`` share the one socket its supervisor binds, and a worker that wakes on it
accepts every connection waiting, so a burst of keep-alive connections (a load balancer's pool, a
benchmark's clients) can all land on one worker while the others idle. Here each worker binds a socket
of its own to the same address with ``SO_REUSEPORT``, and Linux spreads new connections across them.
Each worker is a plain ``uvicorn.Server`` given its socket (``Server.run(sockets=...)``); the supervisor
below starts them, replaces one that dies, replaces them one by one on SIGHUP, and stops them on SIGTERM
or SIGINT. The trade-off: connections waiting in a worker's queue when it stops are reset, not handed to
another worker, unless the kernel is told to migrate them (``sysctl net.ipv4.tcp_migrate_req=1``, Linux
5.14 and newer).
"""

import asyncio
import logging
import multiprocessing
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

logger = logging.getLogger("uvicorn.error")

# Linux spreads connections across the sockets of a SO_REUSEPORT group. macOS and the BSDs accept the
# option without spreading (FreeBSD has a separate SO_REUSEPORT_LB); there uvicorn's shared socket stays.
SPREADS_CONNECTIONS = sys.platform.startswith("linux")
STARTUP_FAILURE = 3  # uvicorn's exit status when the app cannot start
STOP_TIMEOUT_SECONDS = 30.0
READY_TIMEOUT_SECONDS = 60.0


def run(
    app: str,
    *,
    host: str,
    port: int,
    workers: int,
    reload: bool = False,
    on_worker_exit: Callable[[int], None] | None = None,
    **options: Any,
) -> None:
    """``uvicorn.run`` for an import string, with a listening socket per worker on Linux.

    ``on_worker_exit`` hears the pid of each worker this module's supervisor saw end, before a successor
    starts (uvicorn's own workers, where they serve, are not reported)."""
    if workers == 1 or reload or not SPREADS_CONNECTIONS:
        uvicorn.run(app, host=host, port=port, workers=workers, reload=reload, **options)
        return
    try:
        address = _reserve(host, port)
    except OSError as error:
        logger.error(error)
        sys.exit(STARTUP_FAILURE)
    bound_host, bound_port = address.getsockname()[:2]
    logger.info("Uvicorn running on http://%s:%d, %d workers, a socket each", bound_host, bound_port, workers)
    try:
        sys.exit(Supervisor(app, (bound_host, bound_port), workers, options, on_worker_exit).run())
    finally:
        address.close()


@dataclass
class Worker:
    process: BaseProcess
    ready: Connection  # receives True once the worker serves


class Supervisor:
    def __init__(
        self,
        app: str,
        address: tuple[str, int],
        workers: int,
        options: dict[str, Any],
        on_exit: Callable[[int], None] | None = None,
    ) -> None:
        self._app, self._address, self._count, self._options = app, address, workers, options
        self._on_exit = on_exit
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[Worker] = []
        self._stopping = False
        self._replacing = False

    def run(self) -> int:
        """Supervise until a stop signal (0) or a worker that could not start (``STARTUP_FAILURE``)."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGHUP, self._replace)
        self._workers = [self._start() for _ in range(self._count)]
        status = 0
        while not self._stopping:
            if self._replacing:
                self._replacing = False
                self._replace_all()
            wait([worker.process.sentinel for worker in self._workers], timeout=0.5)
            for position, worker in enumerate(self._workers):
                if worker.process.is_alive() or self._stopping:
                    continue
                if worker.process.exitcode == STARTUP_FAILURE:
                    logger.error("a worker could not start; stopping")
                    self._stopping, status = True, STARTUP_FAILURE
                    break
                logger.warning(
                    "worker %s ended (status %s); starting another",
                    worker.process.pid,
                    worker.process.exitcode,
                )
                self._ended(worker)
                self._workers[position] = self._start()
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self._workers:
            _stop(worker.process, signalled=True)
            self._ended(worker)
        return status

    def _ended(self, worker: Worker) -> None:
        if self._on_exit is not None and worker.process.pid is not None:
            self._on_exit(worker.process.pid)

    def _start(self) -> Worker:
        receiving, sending = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=serve_worker, args=(self._app, self._address, self._options, sending)
        )
        process.start()
        sending.close()
        return Worker(process, receiving)

    def _replace_all(self) -> None:
        """One worker at a time, the old one stopped once its successor serves: capacity never drops."""
        for position, worker in enumerate(self._workers):
            successor = self._workers[position] = self._start()
            wait([successor.ready, successor.process.sentinel], timeout=READY_TIMEOUT_SECONDS)
            if not successor.ready.poll():
                return  # it did not start: the supervising loop sees to it
            _stop(worker.process)
            self._ended(worker)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    def _replace(self, signum: int, frame: FrameType | None) -> None:
        self._replacing = True


def _stop(process: BaseProcess, *, signalled: bool = False) -> None:
    if not signalled:
        process.terminate()
    process.join(STOP_TIMEOUT_SECONDS)
    if process.is_alive():
        process.kill()
        process.join()


def serve_worker(app: str, address: tuple[str, int], options: dict[str, Any], ready: Connection) -> None:
    """One worker: its own SO_REUSEPORT socket at the shared address, served by a uvicorn Server, which
    says on ``ready`` when it serves."""
    sock = _bind(address)
    config = uvicorn.Config(app, host=address[0], port=address[1], **options)
    server = uvicorn.Server(config)

    async def serve() -> None:
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        # uvicorn says it has started only through this attribute.
        while not server.started and not serving.done():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if server.started:
            ready.send(True)
        await serving

    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(serve())
    except SystemExit:  # uvicorn exits on an app it cannot import
        if not server.started:
            sys.exit(STARTUP_FAILURE)
        raise
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def _reserve(host: str, port: int) -> socket.socket:
    """The supervisor's hold on the address: bound, never listening, so no connection queues on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # SO_REUSEPORT would also let this server join the listeners of another one running as the same
    # user, and quietly take half its connections; a plain bind first fails on any listener there.
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    return _bind((host, port))


def _bind(address: tuple[str, int]) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock
