"""Volume transfers (os-volume-transfer, and volume-transfers from 3.55): made in the
volume's pod, their top id their id there. Accepting one (by another project, holding
the auth key) moves the volume to that project: the routing table follows."""
from __future__ import annotations

import json
from collections.abc import Callable

import webob

from tricircle.api import microversion
from tricircle.api.forward import lists, proxy, top_ids
from tricircle.api.forward.routed import Routed
from tricircle.api.volume import volumes
from tricircle.api.wsgi import Request
from tricircle.compute import listing
from tricircle.core import errors, routing
from tricircle.core.db.models import Pod


def _base(req: Request) -> str:
    """The transfer API the request used: /v3/{project}/os-volume-transfer or
    /v3/{project}/volume-transfers."""
    return "/".join(req.path_info.split("/")[:4])


TRANSFERS = Routed(
    resource_type="volume_transfer", key="transfer",
    collection=lists.Collection(
        "volumev3", "transfers",
        listing.SortRules(fields={"created_at": "created_at", "id": "id", "name": "name"},
                          default=(("created_at", "desc"),)),
        lambda req: f"{_base(req)}/detail",
        lambda req, transfer_id: f"{_base(req)}/{transfer_id}",
        marker_missing=errors.NotFound),
    az_field="availability_zone", owner_field="project_id",
    not_found="Transfer {id} could not be found.")


def index(req: Request) -> dict:
    return _listed(req, summary=lambda t: {
        k: v for k, v in t.items() if k in ("id", "name", "volume_id", "links")})


def detail(req: Request) -> dict:
    return _listed(req)


def _listed(req: Request, summary: Callable[[dict], dict] | None = None) -> dict:
    """From 3.59 Cinder pages transfers (limit, marker, sort): merged as any list.
    Before, it takes every query parameter as a filter: each pod's answer, side by side."""
    if microversion.of(req) >= (3, 59):
        return TRANSFERS.list(req, summary=summary)
    found: list[tuple[dict, Pod]] = []
    for pod, resp in proxy.every_pod(req, "volumev3", expect_errors=False):
        ours = json.loads(proxy.our_urls(resp.text, req, pod, "volumev3"))  # links
        found += [(TRANSFERS.translate_item(item, pod), pod) for item in ours["transfers"]]
    top_ids.translate(found)
    return {"transfers": [item for item, _ in found]}


def create(req: Request) -> webob.Response:
    return volumes.create_in_volumes_pod(req, TRANSFERS, volumes.VOLUMES)


def one(req: Request) -> webob.Response:
    return TRANSFERS.one(req, req.urlvars["transfer_id"])


def accept(req: Request) -> webob.Response:
    """Any project may accept a transfer it has the key of: found by the routing table
    whatever its project; the volume is the accepting project's after."""
    transfer_id = req.urlvars["transfer_id"]
    found = routing.locate(transfer_id, "volume_transfer")
    if found is None:
        raise errors.NotFound(TRANSFERS.not_found.format(id=transfer_id))
    pod = found[0]
    resp = proxy.call(req, pod, "volumev3")
    if resp.status_code < 300:
        volume_id = resp.json()["transfer"]["volume_id"]
        routing.reassign(volume_id, "volume", req.context.project_id)
        routing.forget(transfer_id, pod.pod_id, "volume_transfer")
    return proxy.answer(req, pod, "volumev3", resp, TRANSFERS.translate)
