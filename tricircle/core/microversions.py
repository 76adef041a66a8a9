"""Microversions: the range every pod supports, and the version a request asks for.

Pure logic except `pod_range`, which asks the pods (cached briefly).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from tricircle.core import errors

LOG = logging.getLogger(__name__)

Version = tuple[int, int]


def parse(text: str) -> Version:
    try:
        major, minor = text.strip().split(".")
        return int(major), int(minor)
    except ValueError:
        raise errors.BadRequest(f"Invalid microversion {text[:40]!r}.") from None


def text(v: Version) -> str:
    return f"{v[0]}.{v[1]}"


def common_range(ranges: list[tuple[Version, Version]],
                 fallback: tuple[Version, Version]) -> tuple[Version, Version]:
    """The versions every pod supports: the highest minimum, the lowest maximum."""
    if not ranges:
        return fallback
    return max(r[0] for r in ranges), min(r[1] for r in ranges)


class RangeCache:
    """The pods' common range, refreshed every `ttl` seconds without making anyone wait
    on the pods: a stale value is answered while one background thread asks them again.
    Only a process's first callers (nothing cached yet) ask the pods themselves, each on
    its own, no lock held across the calls (a hung pod stalls only those callers)."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._value: tuple[Version, Version] | None = None
        self._at = 0.0
        self._refreshing = False
        self._lock = threading.Lock()

    def get(self, fetch: Callable[[], tuple[Version, Version]]) -> tuple[Version, Version]:
        with self._lock:
            value = self._value
            stale = time.monotonic() - self._at > self.ttl
            refresh = value is not None and stale and not self._refreshing
            if refresh:
                self._refreshing = True
        if value is None:
            return self._store(fetch())
        if refresh:
            threading.Thread(target=self._refresh, args=(fetch,), daemon=True,
                             name="microversion-refresh").start()
        return value

    def _store(self, value: tuple[Version, Version]) -> tuple[Version, Version]:
        with self._lock:
            self._value, self._at = value, time.monotonic()
        return value

    def _refresh(self, fetch: Callable[[], tuple[Version, Version]]) -> None:
        try:
            self._store(fetch())
        except Exception:  # the stale range stays; the next call after ttl tries again
            LOG.exception("Could not refresh the pods' microversion range")
            with self._lock:
                self._at = time.monotonic()
        finally:
            with self._lock:
                self._refreshing = False
