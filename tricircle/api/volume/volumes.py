"""Volumes: made in the pod of the requested availability zone (the same pod choice as
servers), then found by the routing table. A volume's top id is its id in the pod."""
from __future__ import annotations

import webob

from tricircle.api import microversion
from tricircle.api.forward import lists, proxy
from tricircle.api.forward.routed import Routed
from tricircle.api.volume import types
from tricircle.api.wsgi import Request
from tricircle.compute import listing
from tricircle.core import errors

RULES = listing.SortRules(fields={
    "created_at": "created_at", "updated_at": "updated_at", "name": "name",
    "display_name": "name", "id": "id", "size": "size", "status": "status",
    "availability_zone": "availability_zone", "bootable": "bootable",
    "volume_type": "volume_type"}, default=(("created_at", "desc"),))

VOLUMES = Routed(
    resource_type="volume", key="volume",
    collection=lists.Collection(
        "volumev3", "volumes", RULES,
        lambda req: f"/v3/{req.urlvars['project_id']}/volumes/detail",
        # By the caller's project: compute asks this too (attachments), without one in its URL.
        lambda req, volume_id: f"/v3/{req.context.project_id}/volumes/{volume_id}",
        marker_missing=errors.NotFound),
    az_field="availability_zone", owner_field="os-vol-tenant-attr:tenant_id",
    not_found="Volume {id} could not be found.")


def index(req: Request) -> dict:
    return VOLUMES.list(req, summary=lambda v: {k: v[k] for k in ("id", "name", "links")})


def detail(req: Request) -> dict:
    return VOLUMES.list(req)


def create(req: Request) -> webob.Response:
    body = req.json_body()
    item = dict(req.json_body("volume"))
    pod = VOLUMES.pick_pod(req, item)
    if "volume_type" in item:  # a top id is the pod's own there
        item["volume_type"] = types.for_pod(req, pod, item["volume_type"])
    return VOLUMES.create_in(req, pod, {**body, "volume": item})


def summary(req: Request) -> dict:
    """GET volumes/summary (3.12): the pods' counts and sizes added up, their metadata
    values (3.36) merged."""
    count, size, metadata = 0, 0, {}
    # A pod's refusal (a microversion) is ours.
    for _pod, resp in proxy.every_pod(req, "volumev3", expect_errors=False):
        part = resp.json()["volume-summary"]
        count += part["total_count"]
        size += part["total_size"]
        for key, values in part.get("metadata", {}).items():
            metadata.setdefault(key, [])
            metadata[key] += [v for v in values if v not in metadata[key]]
    out: dict = {"total_count": count, "total_size": size}
    if microversion.of(req) >= (3, 36):
        out["metadata"] = metadata
    return {"volume-summary": out}


def one(req: Request) -> webob.Response:
    return VOLUMES.one(req, req.urlvars["volume_id"])


SNAPSHOT_RULES = listing.SortRules(fields={
    "created_at": "created_at", "updated_at": "updated_at", "name": "name", "id": "id",
    "display_name": "name", "status": "status", "size": "size", "volume_id": "volume_id"},
    default=(("created_at", "desc"),))

SNAPSHOTS = Routed(
    resource_type="snapshot", key="snapshot",
    collection=lists.Collection(
        "volumev3", "snapshots", SNAPSHOT_RULES,
        lambda req: f"/v3/{req.urlvars['project_id']}/snapshots/detail",
        lambda req, snap_id: f"/v3/{req.context.project_id}/snapshots/{snap_id}",
        marker_missing=errors.NotFound),
    az_field="availability_zone", owner_field="os-extended-snapshot-attributes:project_id",
    not_found="Snapshot {id} could not be found.")


def snapshot_index(req: Request) -> dict:
    """Cinder's summary of a snapshot is its detail without the extended attributes."""
    return SNAPSHOTS.list(req, summary=lambda snap: {
        k: v for k, v in snap.items() if not k.startswith("os-extended-snapshot-attributes:")})


def snapshot_detail(req: Request) -> dict:
    return SNAPSHOTS.list(req)


def snapshot_create(req: Request) -> webob.Response:
    return create_in_volumes_pod(req, SNAPSHOTS, VOLUMES)


def create_in_volumes_pod(req: Request, made: Routed, volumes: Routed) -> webob.Response:
    """A snapshot (through Cinder, or Nova's proxy of it) or a transfer is made in its
    volume's pod."""
    volume_id = req.json_body(made.key).get("volume_id")
    if volume_id is None:  # Cinder looks it up all the same
        raise errors.NotFound(volumes.not_found.format(id=None))
    if not isinstance(volume_id, str):
        raise errors.BadRequest("Invalid input for field/attribute volume_id.")
    return made.create_in(req, volumes.pod_of(req, volume_id), req.json_body())


def snapshot_one(req: Request) -> webob.Response:
    return SNAPSHOTS.one(req, req.urlvars["snapshot_id"])
