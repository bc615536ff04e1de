"""The notice a serving process gives its open responses when its graceful shutdown begins.

uvicorn waits for every response in progress before it stops. A notification stream has no end of its
own, so without a notice one open stream holds a stopping process until something kills it (with
several workers, the supervisor after ``STOP_TIMEOUT_SECONDS``) or, with one worker, until its client
leaves. On the notice each stream ends its body cleanly and its client reconnects,
with ``Last-Event-ID``, to a process that still serves: a rolling restart costs it no notification.

uvicorn asks each connection to shut down as its graceful shutdown begins; ``conduit serve``'s protocol
(entrypoints/bounded_http.py) gives the notice then.
"""

import asyncio


class ShutdownNotice:
    def __init__(self) -> None:
        self._given = False
        self._waiting: set[asyncio.Future[None]] = set()

    @property
    def given(self) -> bool:
        return self._given

    def give(self) -> None:
        self._given = True
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_result(None)

    async def wait(self) -> None:
        if self._given:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.add(waiter)
        try:
            await waiter
        finally:
            self._waiting.discard(waiter)


# A process shuts down once: the notice of the process this module is loaded in.
PROCESS_SHUTDOWN = ShutdownNotice()


def give_process_shutdown() -> None:
    """The notice given, by a name a spawned worker can import (the protocol's hook)."""
    PROCESS_SHUTDOWN.give()
