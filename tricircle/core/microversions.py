"""Microversions: the range every pod supports, and the version a request asks for.

Pure logic except `pod_range`, which asks the pods (cached briefly).
"""
from __future__ import annotations

import threading
import time

from tricircle.core import errors

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
    """The pods' common range, fetched at most every `ttl` seconds."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._value: tuple[Version, Version] | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self, fetch) -> tuple[Version, Version]:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > self.ttl:
                self._value, self._at = fetch(), time.monotonic()
            return self._value
