"""Creates the user was told failed: a pod that timed out (or answered 5xx) may have made
the server or volume anyway. `reap_create` removes such an object: one of that project,
with the requested name, made since the request, that no routing row knows (a create that
succeeded records its row at once). It waits until candidates are a minute old, so that a
successful retry still being recorded is never taken for one."""
from __future__ import annotations

import datetime as dt
import logging
import re

from tricircle.core import db, jobs

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


def created(item: dict) -> dt.datetime:
    text = item.get("created") or item.get("created_at")
    return dt.datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)
