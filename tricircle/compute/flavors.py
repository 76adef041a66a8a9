"""Flavors: the same (same id) in every pod, so a boot anywhere finds the one it names."""
from __future__ import annotations

from tricircle.core import clients
from tricircle.core.context import RequestContext
from tricircle.core.db.models import Pod

SERVICE = "compute"
# What a flavor is made of (Nova's create body), as a listed flavor shows it.
FIELDS = ("id", "name", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral", "swap",
          "rxtx_factor", "os-flavor-access:is_public", "description")


def create_body(flavor: dict) -> dict:
    body = {k: flavor[k] for k in FIELDS if flavor.get(k) not in (None, "")}
    return {"flavor": body}


def all_flavors(ctx: RequestContext | None, pod: Pod) -> list[dict]:
    resp = clients.get().request(ctx, pod.pod_name, SERVICE, "GET", "/flavors/detail",
                                 params={"is_public": "None"}, admin=True,
                                 headers={"OpenStack-API-Version": "compute 2.55"})
    return resp.json()["flavors"]
