"""Compute's jobs (run by tricircle-xjob): flavors and keypairs that must reach every pod,
creates a pod made although it answered with an error, and servers gone from their pod."""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from tricircle.compute import flavors, reaper, server_ports
from tricircle.core import clients, db, errors, pods, routing
from tricircle.core.context import RequestContext
from tricircle.core.db.models import Pod, Routing, utcnow

LOG = logging.getLogger(__name__)


def sync_flavors(ctx: RequestContext, resource: dict) -> None:
    """Make every flavor of the other pods exist in this pod, with the same id."""
    with db.transaction() as s:
        target = pods.get_pod(s, resource["pod_id"])
        others = [p for p in pods.bottom_pods(s) if p.pod_id != target.pod_id]
    have = {f["id"] for f in flavors.all_flavors(ctx, target)}
    wanted: dict[str, dict] = {}
    for pod in others:
        try:
            for flavor in flavors.all_flavors(ctx, pod):
                wanted.setdefault(flavor["id"], flavor)
        except errors.PodUnavailable:
            continue  # another pod that is down may hold more: its own sync will tell
    for flavor_id, flavor in wanted.items():
        if flavor_id not in have:
            clients.get().request(ctx, target.pod_name, flavors.SERVICE, "POST", "/flavors",
                                  json=flavors.create_body(flavor), admin=True, expect=(409,),
                                  headers={"OpenStack-API-Version": "compute 2.55"})


def delete_flavor(ctx: RequestContext, resource: dict) -> None:
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    clients.get().request(ctx, pod.pod_name, flavors.SERVICE, "DELETE",
                          f"/flavors/{resource['flavor_id']}", admin=True, expect=(404,))


def delete_keypair(ctx: RequestContext, resource: dict) -> None:
    """A keypair deleted while its pod was down: delete it there as the user's admin."""
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    clients.get().request(ctx, pod.pod_name, "compute", "DELETE",
                          f"/os-keypairs/{resource['name']}", admin=True, expect=(404,),
                          params={"user_id": resource["user_id"]},
                          headers={"OpenStack-API-Version": "compute 2.10"})


def reap_create(ctx: RequestContext, resource: dict) -> None:
    service, path, key, one, name_filter = reaper.KINDS[resource["resource_type"]]
    since = dt.datetime.fromisoformat(resource["since"]) - dt.timedelta(seconds=5)
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    pc = clients.get()
    items = pc.request(ctx, pod.pod_name, service, "GET", path, admin=True, params={
        "all_tenants": 1, "project_id": resource["project_id"],
        "name": name_filter(resource["name"])}).json()[key]
    made = [i for i in items if i.get("name") == resource["name"] and reaper.created(i) >= since]
    with db.transaction() as s:
        known = set(s.scalars(select(Routing.top_id).where(
            Routing.top_id.in_([i["id"] for i in made]))))
    lost = [i for i in made if i["id"] not in known]
    if any(utcnow() - reaper.created(i) < reaper.MIN_AGE for i in lost):
        raise errors.Conflict("A candidate is younger than a minute: looking again later.")
    for item in lost:
        LOG.warning("Deleting %s %s in %s: its create was answered with an error",
                    resource["resource_type"], item["id"], pod.pod_name)
        pc.request(ctx, pod.pod_name, service, "DELETE", one.format(id=item["id"]),
                   admin=True, expect=(404,))


def servers_gone(ctx: RequestContext, pod: Pod) -> tuple[int, list[str]]:
    """The reconciler's check of servers (tricircle/network/sync/reconcile.py): a server
    the routing table places in the pod that the pod no longer has (deleted there behind
    our back, or lost) frees its ports at the top, and the copies of ports made for it
    leave the pod. (How many are there, the ids of those gone.)"""
    with db.transaction() as s:  # the rows first: a server made after is not looked at
        routed = dict(s.execute(select(Routing.top_id, Routing.project_id).where(
            Routing.pod_id == pod.pod_id, Routing.resource_type == "server")).all())
    if not routed:
        return 0, []
    listed: set[str] = set()
    params: dict = {"all_tenants": "1", "limit": 1000}
    while True:
        page = clients.get().request(ctx, pod.pod_name, "compute", "GET", "/servers",
                                     admin=True, params=params).json()["servers"]
        listed |= {item["id"] for item in page}
        if len(page) < params["limit"]:
            break
        params["marker"] = page[-1]["id"]
    gone = sorted(set(routed) - listed)
    for server_id in gone:
        LOG.warning("Server %s is gone from %s: freeing its ports", server_id, pod.pod_name)
        server_ports.release(server_id, routed[server_id])
        routing.forget(server_id, pod.pod_id, "server")
    return len(routed), gone
