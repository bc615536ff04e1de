"""Attempt counts in this process's memory: the in-memory twin of adapters/postgres/attempts.py."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from application.throttling import AttemptCounts, Window


class InMemoryAttemptCounts(AttemptCounts):
    def __init__(self) -> None:
        self._windows: dict[str, Window] = {}

    async def open_windows(self, keys: Sequence[str], now: datetime) -> dict[str, Window]:
        found = {key: self._windows[key] for key in keys if key in self._windows}
        return {key: window for key, window in found.items() if window.closes_at > now}

    async def add(self, windows: Mapping[str, timedelta], now: datetime) -> None:
        for closed in [key for key, window in self._windows.items() if window.closes_at <= now]:
            del self._windows[closed]
        for key, length in windows.items():
            window = self._windows.get(key)
            self._windows[key] = (
                Window(1, now + length) if window is None else Window(window.count + 1, window.closes_at)
            )

    async def clear(self, key: str) -> None:
        self._windows.pop(key, None)
