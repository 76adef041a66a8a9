"""Version documents of the proxied APIs, advertising the microversions every pod supports."""
from __future__ import annotations

from tricircle.core import clients, microversions, pods
from tricircle.core.microversions import Version

_caches: dict[str, microversions.RangeCache] = {}


def supported(service_type: str, base: tuple[Version, Version]) -> tuple[Version, Version]:
    """The range every bottom pod's `service_type` supports (`base` with no pod)."""
    def fetch() -> tuple[Version, Version]:
        names = [p.pod_name for p in pods.bottom()]
        results = clients.get().fanout(
            names, lambda name: clients.get().microversions(name, service_type))
        found = [r for _, r in results if isinstance(r, tuple)]
        return microversions.common_range(found, base)
    cache = _caches.setdefault(service_type, microversions.RangeCache())
    return cache.get(fetch)
