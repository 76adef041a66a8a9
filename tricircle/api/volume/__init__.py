"""The volume API (Cinder v3) users reach through RegionOne: its whole surface."""
from __future__ import annotations

import webob

from tricircle.api import limits, versions
from tricircle.api.forward import proxy
from tricircle.api.volume import transfers, types, volumes
from tricircle.api.wsgi import Request, Router
from tricircle.core import db, microversions, pods
from tricircle.core.policies import authorize

BASE = ((3, 0), (3, 0))


def _doc(req: Request) -> dict:
    low, high = versions.supported("volumev3", BASE)
    return {"id": "v3.0", "status": "CURRENT", "version": microversions.text(high),
            "min_version": microversions.text(low), "updated": "2023-08-31T00:00:00Z",
            "links": [{"rel": "self", "href": f"{req.application_url}/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.volume+json;version=3"}]}


def index(req: Request) -> webob.Response:
    """Cinder answers its root with 300 Multiple Choices."""
    resp = webob.Response(status=300, content_type="application/json", charset=None)
    resp.json_body = {"versions": [_doc(req)]}
    return resp


def show(req: Request) -> dict:
    return {"versions": [_doc(req)]}


def availability_zones(req: Request) -> dict:
    authorize(req.context, "volume:availability_zone:list")
    with db.transaction() as s:
        zones = pods.availability_zones(s)
    return {"availabilityZoneInfo": [{"zoneName": az, "zoneState": {"available": True}}
                                     for az in zones]}


def any_pod(req: Request) -> webob.Response:
    return proxy.any_pod(req, "volumev3")


ALL = ("GET", "POST", "PUT", "DELETE")
ROUTES = {
    "/": {"GET": index},
    "/v3": {"GET": show},
    "/v3/{project_id}/os-availability-zone": {"GET": availability_zones},
    "/v3/{project_id}/volumes": {"GET": volumes.index, "POST": volumes.create},
    "/v3/{project_id}/volumes/detail": {"GET": volumes.detail},
    "/v3/{project_id}/volumes/summary": {"GET": volumes.summary},
    "/v3/{project_id}/volumes/{volume_id}": {m: volumes.one for m in ("GET", "PUT", "DELETE")},
    "/v3/{project_id}/volumes/{volume_id}/{rest:path}": {m: volumes.one for m in ALL},
    "/v3/{project_id}/snapshots": {"GET": volumes.snapshot_index,
                                   "POST": volumes.snapshot_create},
    "/v3/{project_id}/snapshots/detail": {"GET": volumes.snapshot_detail},
    "/v3/{project_id}/snapshots/{snapshot_id}": {m: volumes.snapshot_one
                                                 for m in ("GET", "PUT", "DELETE")},
    "/v3/{project_id}/snapshots/{snapshot_id}/{rest:path}": {m: volumes.snapshot_one
                                                             for m in ALL},
    "/v3/{project_id}/types": {"GET": types.read, "POST": types.write},
    "/v3/{project_id}/types/default": {"GET": types.read},
    "/v3/{project_id}/types/{type_id}": {"GET": types.read, "PUT": types.write,
                                         "DELETE": types.write},
    "/v3/{project_id}/types/{type_id}/{rest:path}": {
        "GET": types.read, "POST": types.write, "PUT": types.write, "DELETE": types.write},
    "/v3/{project_id}/extensions": {"GET": any_pod},
    "/v3/{project_id}/limits": {"GET": limits.volume},
    "/v3/{project_id}/os-quota-sets/{target}": {m: limits.volume_quotas
                                                for m in ("GET", "PUT", "DELETE")},
    "/v3/{project_id}/os-quota-sets/{target}/defaults": {"GET": limits.volume},
}

# Transfers: os-volume-transfer, and from 3.55 volume-transfers, alike.
for _base in ("os-volume-transfer", "volume-transfers"):
    ROUTES.update({
        f"/v3/{{project_id}}/{_base}": {"GET": transfers.index, "POST": transfers.create},
        f"/v3/{{project_id}}/{_base}/detail": {"GET": transfers.detail},
        f"/v3/{{project_id}}/{_base}/{{transfer_id}}": {"GET": transfers.one,
                                                       "DELETE": transfers.one},
        f"/v3/{{project_id}}/{_base}/{{transfer_id}}/accept": {"POST": transfers.accept}})


def router() -> Router:
    return Router(ROUTES, public=frozenset({"/", "/v3"}), strict_slash=True)
