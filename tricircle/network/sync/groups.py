"""Security groups in the pods: a group's copies follow its rules (a port's copy its groups:
tricircle/network/sync/copies.py)."""
from __future__ import annotations

from sqlalchemy import select

from tricircle.core import clients, db, pods
from tricircle.core.context import RequestContext
from tricircle.core.db.models import Routing, SecurityGroup
from tricircle.network import security_groups as sg
from tricircle.network.bottom_copies import ensure_group


def sync_security_group(ctx: RequestContext, resource: dict) -> None:
    """Bring the group's copies in every pod in line with its rules."""
    group_id = resource["group_id"]
    with db.transaction() as s:
        group = s.get(SecurityGroup, group_id)
        rules = sg.bottom_rules(s, group) if group else []
        where = [pods.get_pod(s, pod_id) for pod_id in s.scalars(
            select(Routing.pod_id).where(Routing.top_id == group_id,
                                         Routing.resource_type == "security_group"))]
    if group is None:
        return
    clients.raise_first(clients.get().fanout(
        where, lambda pod: ensure_group(ctx, pod, group, rules)))

