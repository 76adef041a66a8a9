"""Volumes: made in the pod of the requested availability zone (the same pod choice as
servers), then found by the routing table. A volume's top id is its id in the pod."""
from __future__ import annotations

import webob

from tricircle import listing
from tricircle.api import lists
from tricircle.api.routed import Routed
from tricircle.api.wsgi import Request

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
        lambda req, volume_id: f"/v3/{req.context.project_id}/volumes/{volume_id}"),
    az_field="availability_zone", owner_field="os-vol-tenant-attr:tenant_id",
    not_found="Volume {id} could not be found.")


def index(req: Request) -> dict:
    return VOLUMES.list(req, summary=lambda v: {k: v[k] for k in ("id", "name", "links")})


def detail(req: Request) -> dict:
    return VOLUMES.list(req)


def create(req: Request) -> webob.Response:
    return VOLUMES.create(req)


def one(req: Request) -> webob.Response:
    return VOLUMES.one(req, req.urlvars["volume_id"])
