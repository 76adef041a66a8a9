"""A top object changed: its copies in the pods follow (network, subnet, port, router,
security group). Level-triggered: the top's current attributes, written where they differ."""
from __future__ import annotations

from sqlalchemy import select

from tricircle.core import clients, db, errors
from tricircle.core.context import RequestContext
from tricircle.core.db.models import Network, Pod, Port, Router, Routing, SecurityGroup, Subnet
from tricircle.network import bottom_copies

MODELS: dict[str, type] = {"network": Network, "subnet": Subnet, "port": Port,
                           "router": Router, "security_group": SecurityGroup}


def sync_copy(ctx: RequestContext, resource: dict) -> None:
    rtype, top_id = resource["resource_type"], resource["top_id"]
    with db.transaction() as s:
        obj = s.get(MODELS[rtype], top_id)
        if obj is None:
            return  # deleted: delete_bottom removes its copies
        want = bottom_copies.followed(obj)
        copies = list(s.execute(select(Pod, Routing.bottom_id)
                                .join(Routing, Routing.pod_id == Pod.pod_id)
                                .where(Routing.top_id == top_id,
                                       Routing.resource_type == rtype)))

    def one(copy: tuple[Pod, str | None]) -> None:
        pod, bottom_id = copy
        if bottom_id is None:  # being made from what may be the old state: try again later
            raise errors.Conflict(f"The copy of {rtype} {top_id} in {pod.pod_name} is "
                                  "still being made.")
        wanted = dict(want)
        if rtype == "port":
            wanted["security_groups"] = bottom_copies.ensure_groups(ctx, pod, top_id)
        if bottom_copies.follow(ctx, pod, rtype, bottom_id, wanted) is None:
            # Retried, not trusted: a Neutron that has just started was seen to list
            # nothing for a while. A copy really gone is the reconciler's to remake.
            raise errors.Conflict(f"The copy of {rtype} {top_id} is not listed in "
                                  f"{pod.pod_name}.")

    clients.raise_first(clients.get().fanout(copies, one))


def sync_port_groups(ctx: RequestContext, resource: dict) -> None:
    """Jobs queued by an earlier release: a port's groups are one of its attributes now."""
    sync_copy(ctx, {"resource_type": "port", "top_id": resource["port_id"]})
