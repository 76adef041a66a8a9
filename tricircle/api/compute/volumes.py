"""Nova's proxies of Cinder (os-volumes, os-snapshots; deprecated at microversion 2.36
but still called by clients and tempest): each object is answered by the Nova of its pod,
found by the same routing rows as the volume API's; new volumes go to the pod of their
availability zone, new snapshots to their volume's."""
from __future__ import annotations

import webob

from tricircle.api.forward import lists
from tricircle.api.forward.routed import Routed
from tricircle.api.volume import volumes as cinder
from tricircle.api.wsgi import Request
from tricircle.compute import listing

RULES = listing.SortRules(fields={"createdAt": "createdAt", "id": "id"},
                          default=(("createdAt", "desc"),))


def _proxy(resource_type: str, collection: str, not_found: str) -> Routed:
    return Routed(
        resource_type=resource_type, key=resource_type,
        collection=lists.Collection(
            "compute", collection, RULES, lambda req: f"/v2.1/os-{collection}/detail",
            lambda req, top_id: f"/v2.1/os-{collection}/{top_id}"),
        az_field="availabilityZone", owner_field="", not_found=not_found, next_links=False)


VOLUMES = _proxy("volume", "volumes", "Volume {id} could not be found.")
SNAPSHOTS = _proxy("snapshot", "snapshots", "Snapshot {id} could not be found.")


def volumes(req: Request) -> dict:
    return VOLUMES.list(req)


def volume_create(req: Request) -> webob.Response:
    return VOLUMES.create(req)


def volume(req: Request) -> webob.Response:
    return VOLUMES.one(req, req.urlvars["volume_id"])


def snapshots(req: Request) -> dict:
    return SNAPSHOTS.list(req)


def snapshot_create(req: Request) -> webob.Response:
    return cinder.create_in_volumes_pod(req, SNAPSHOTS, VOLUMES)


def snapshot(req: Request) -> webob.Response:
    return SNAPSHOTS.one(req, req.urlvars["snapshot_id"])
