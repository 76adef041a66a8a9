"""The leak audit: bottom objects Tricircle made (tagged bottom.MARKER, named with a top
id) that nothing at the top stands for any more, removed from a pod. Objects without our
mark are never touched, whatever their name: pods are clouds other tools use too.

An object is an orphan when it carries our mark, its name is the id of no top object
(network, subnet, port, router, security group, bridge, bridge port), no routing row
names it, and it is older than `min_age` seconds (a creator claims its routing row
before it creates, so anything being made has a row; the age is a second guard). Such
objects come from crashes the routing protocol cannot see, e.g. a pod that made an
object yet answered an error.
tricircle-xjob queues `audit_pod` for every pod each `[xjob] audit_interval` seconds.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import select

from tricircle.core import bottom, clients, db, pods
from tricircle.core.context import RequestContext
from tricircle.core.db.models import (
    Bridge,
    BridgePort,
    Network,
    Port,
    Router,
    Routing,
    SecurityGroup,
    Subnet,
)

LOG = logging.getLogger(__name__)
TOP_TABLES = (Network, Subnet, Port, Router, SecurityGroup, Bridge, BridgePort)
# Removal order: routers free ports, ports free networks (a network takes its subnets).
COLLECTIONS = ("routers", "ports", "networks", "security-groups")


def _named_by_id(name: str) -> bool:
    try:
        return str(uuid.UUID(name)) == name
    except ValueError:
        return False


def orphans(items: list[dict], known: set[str], min_age: float,
            now: dt.datetime) -> list[dict]:
    """The items with our mark, named with a top id that `known` (top ids with a top
    object or a routing row) lacks, older than min_age seconds."""
    out = []
    for item in items:
        if bottom.MARKER not in (item.get("tags") or ()):
            continue
        if not _named_by_id(item.get("name") or "") or item["name"] in known:
            continue
        created = dt.datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
        if (now - created).total_seconds() >= min_age:
            out.append(item)
    return out


def _known(pod_id: str, names: set[str]) -> set[str]:
    with db.transaction() as s:
        known = set(s.scalars(select(Routing.top_id).where(Routing.pod_id == pod_id,
                                                           Routing.top_id.in_(names))))
        for table in TOP_TABLES:
            known |= set(s.scalars(select(table.id).where(table.id.in_(names))))
    return known


def audit_pod(ctx: RequestContext, resource: dict) -> None:
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    min_age = float(resource.get("min_age", 600))
    pc = clients.get()

    def call(method: str, path: str, **kwargs) -> dict:
        resp = pc.request(ctx, pod.pod_name, "network", method, path, admin=True, **kwargs)
        return resp.json() if resp.content else {}

    now = dt.datetime.now(dt.UTC)
    for collection in COLLECTIONS:
        key = collection.replace("-", "_")
        items = call("GET", f"/v2.0/{collection}",
                     params={"tags": bottom.MARKER,
                             "fields": ["id", "name", "created_at", "tags"]})[key]
        known = _known(pod.pod_id, {i["name"] for i in items if _named_by_id(i["name"] or "")})
        for item in orphans(items, known, min_age, now):
            LOG.warning("Removing orphan %s %s (%s) from %s", key[:-1], item["id"],
                        item["name"], pod.pod_name)
            if collection == "routers":
                call("PUT", f"/v2.0/routers/{item['id']}", json={"router": {"routes": []}})
                for port in call("GET", "/v2.0/ports", params={"device_id": item["id"],
                                                              "fields": "id"})["ports"]:
                    call("PUT", f"/v2.0/routers/{item['id']}/remove_router_interface",
                         json={"port_id": port["id"]}, expect=(404,))
            call("DELETE", f"/v2.0/{collection}/{item['id']}", expect=(404, 409))
