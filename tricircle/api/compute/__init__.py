"""The compute API (Nova v2.1) users reach through RegionOne: its whole surface."""
from __future__ import annotations

from tricircle.api.compute import availability_zones, versions
from tricircle.api.wsgi import Router

ROUTES = {
    "/": {"GET": versions.index},
    "/v2.1": {"GET": versions.show},
    "/v2.1/os-availability-zone": {"GET": availability_zones.index},
    "/v2.1/os-availability-zone/detail": {"GET": availability_zones.detail},
    "/v2.1/os-aggregates": {"GET": availability_zones.aggregates},
    "/v2.1/os-aggregates/{id}": {"GET": availability_zones.aggregate},
}


def router() -> Router:
    return Router(ROUTES, public=frozenset({"/", "/v2.1"}))
