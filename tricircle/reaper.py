"""Creates the user was told failed: a pod that timed out (or answered 5xx) may have made
the server or volume anyway. `reap_create` removes such an object: one of that project,
with the requested name, made since the request, that no routing row knows (a create that
succeeded records its row at once). It waits until candidates are a minute old, so that a
successful retry still being recorded is never taken for one."""
from __future__ import annotations

import datetime as dt
import logging
import re

from sqlalchemy import select

from tricircle import clients, db, errors, jobs, pods
from tricircle.context import RequestContext
from tricircle.db.models import Routing, utcnow

LOG = logging.getLogger(__name__)
MIN_AGE = dt.timedelta(seconds=60)
# resource type -> (service, list path, body key, its delete path, name filter)
KINDS = {
    "server": ("compute", "/servers/detail", "servers", "/servers/{id}",
               lambda name: f"^{re.escape(name)}$"),
    "volume": ("volumev3", "/volumes/detail", "volumes", "/volumes/{id}",
               lambda name: name),
}


def queue(resource_type: str, pod_id: str, project_id: str, name: str,
          since: dt.datetime) -> None:
    with db.transaction() as s:
        jobs.enqueue(s, "reap_create", {
            "resource_type": resource_type, "pod_id": pod_id, "project_id": project_id,
            "name": name, "since": since.isoformat()}, project_id)


def _created(item: dict) -> dt.datetime:
    text = item.get("created") or item.get("created_at")
    return dt.datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)


@jobs.handler("reap_create", "resource_type", "pod_id", "project_id", "name", "since")
def reap_create(ctx: RequestContext, resource: dict) -> None:
    service, path, key, one, name_filter = KINDS[resource["resource_type"]]
    since = dt.datetime.fromisoformat(resource["since"]) - dt.timedelta(seconds=5)
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    pc = clients.get()
    items = pc.request(ctx, pod.pod_name, service, "GET", path, admin=True, params={
        "all_tenants": 1, "project_id": resource["project_id"],
        "name": name_filter(resource["name"])}).json()[key]
    made = [i for i in items if i.get("name") == resource["name"] and _created(i) >= since]
    with db.transaction() as s:
        known = set(s.scalars(select(Routing.top_id).where(
            Routing.top_id.in_([i["id"] for i in made]))))
    lost = [i for i in made if i["id"] not in known]
    if any(utcnow() - _created(i) < MIN_AGE for i in lost):
        raise errors.Conflict("A candidate is younger than a minute: looking again later.")
    for item in lost:
        LOG.warning("Deleting %s %s in %s: its create was answered with an error",
                    resource["resource_type"], item["id"], pod.pod_name)
        pc.request(ctx, pod.pod_name, service, "DELETE", one.format(id=item["id"]),
                   admin=True, expect=(404,))
