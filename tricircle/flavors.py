"""Flavors: the same (same id) in every pod, so a boot anywhere finds the one it names."""
from __future__ import annotations

from tricircle import clients, db, errors, jobs, pods
from tricircle.context import RequestContext
from tricircle.db.models import Pod

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


@jobs.handler("sync_flavors", "pod_id")
def sync_flavors(ctx: RequestContext, resource: dict) -> None:
    """Make every flavor of the other pods exist in this pod, with the same id."""
    with db.transaction() as s:
        target = pods.get_pod(s, resource["pod_id"])
        others = [p for p in pods.bottom_pods(s) if p.pod_id != target.pod_id]
    have = {f["id"] for f in all_flavors(ctx, target)}
    wanted: dict[str, dict] = {}
    for pod in others:
        try:
            for flavor in all_flavors(ctx, pod):
                wanted.setdefault(flavor["id"], flavor)
        except errors.PodUnavailable:
            continue  # another pod that is down may hold more: its own sync will tell
    for flavor_id, flavor in wanted.items():
        if flavor_id not in have:
            clients.get().request(ctx, target.pod_name, SERVICE, "POST", "/flavors",
                                  json=create_body(flavor), admin=True, expect=(409,),
                                  headers={"OpenStack-API-Version": "compute 2.55"})


@jobs.handler("delete_flavor", "pod_id", "flavor_id")
def delete_flavor(ctx: RequestContext, resource: dict) -> None:
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    clients.get().request(ctx, pod.pod_name, SERVICE, "DELETE",
                          f"/flavors/{resource['flavor_id']}", admin=True, expect=(404,))
