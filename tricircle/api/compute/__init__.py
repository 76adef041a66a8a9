"""The compute API (Nova v2.1) users reach through RegionOne: its whole surface."""
from __future__ import annotations

import webob

from tricircle.api import limits
from tricircle.api.compute import (
    availability_zones,
    flavors,
    hypervisors,
    keypairs,
    server_groups,
    servers,
    versions,
    volumes,
)
from tricircle.api.forward import proxy
from tricircle.api.wsgi import Request, Router

ALL = ("GET", "POST", "PUT", "DELETE")


def any_pod(req: Request) -> webob.Response:
    return proxy.any_pod(req, "compute")



ROUTES = {
    "/": {"GET": versions.index},
    "/v2.1": {"GET": versions.show},
    "/v2.1/os-availability-zone": {"GET": availability_zones.index},
    "/v2.1/os-availability-zone/detail": {"GET": availability_zones.detail},
    "/v2.1/os-aggregates": {"GET": availability_zones.aggregates},
    "/v2.1/os-aggregates/{id}": {"GET": availability_zones.aggregate},
    "/v2.1/servers": {"GET": servers.index, "POST": servers.create},
    "/v2.1/servers/detail": {"GET": servers.detail},
    "/v2.1/servers/{server_id}": {m: servers.one for m in ("GET", "PUT", "DELETE")},
    "/v2.1/servers/{server_id}/{rest:path}": {m: servers.one for m in ALL},
    # Booting from a volume (block_device_mapping_v2) is a server create.
    "/v2.1/os-volumes_boot": {"GET": servers.index, "POST": servers.create},
    "/v2.1/os-volumes": {"GET": volumes.volumes, "POST": volumes.volume_create},
    "/v2.1/os-volumes/detail": {"GET": volumes.volumes},
    "/v2.1/os-volumes/{volume_id}": {"GET": volumes.volume, "DELETE": volumes.volume},
    "/v2.1/os-snapshots": {"GET": volumes.snapshots, "POST": volumes.snapshot_create},
    "/v2.1/os-snapshots/detail": {"GET": volumes.snapshots},
    "/v2.1/os-snapshots/{snapshot_id}": {"GET": volumes.snapshot,
                                         "DELETE": volumes.snapshot},
    "/v2.1/flavors": {"GET": any_pod, "POST": flavors.create},
    "/v2.1/flavors/detail": {"GET": any_pod},
    "/v2.1/flavors/{flavor_id}": {"GET": any_pod, "DELETE": flavors.delete},
    "/v2.1/flavors/{flavor_id}/{rest:path}": {"GET": any_pod},
    "/v2.1/os-keypairs": {"GET": any_pod, "POST": keypairs.create},
    "/v2.1/limits": {"GET": limits.compute},
    "/v2.1/os-quota-sets/{project_id}": {"GET": limits.compute},
    "/v2.1/os-quota-sets/{project_id}/detail": {"GET": limits.compute},
    "/v2.1/os-quota-sets/{project_id}/defaults": {"GET": limits.compute},
    "/v2.1/os-keypairs/{name}": {"GET": any_pod, "DELETE": keypairs.delete},
    "/v2.1/os-hypervisors": {"GET": hypervisors.index},
    "/v2.1/os-hypervisors/detail": {"GET": hypervisors.index},
    "/v2.1/os-hypervisors/{hypervisor_id}": {"GET": hypervisors.one},
    "/v2.1/os-hypervisors/{hypervisor_id}/{rest:path}": {"GET": hypervisors.one},
    "/v2.1/os-server-groups": {"GET": server_groups.index, "POST": server_groups.create},
    "/v2.1/os-server-groups/{group_id}": {"GET": server_groups.one,
                                          "DELETE": server_groups.one},
}


def router() -> Router:
    return Router(ROUTES, public=frozenset({"/", "/v2.1"}), strict_slash=True)
