"""The copy of a deleted top network object (network, subnet, port, group) leaves its pod."""
from __future__ import annotations

from tricircle.core import bottom, db, pods, routing
from tricircle.core.context import RequestContext


def delete_bottom(ctx: RequestContext, resource: dict) -> None:
    """Remove a top resource's copy from a pod, then its routing row."""
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    top_id, rtype = resource["top_id"], resource["resource_type"]
    # No bottom id yet: its creator may have died after creating it; find it by name.
    bottom_id = routing.bottom_id(top_id, pod.pod_id, rtype) or \
        bottom.find(ctx, pod, rtype, top_id, admin=True)
    found = bottom.listed(ctx, pod, rtype, bottom_id, admin=True) \
        if bottom_id and rtype in ("network", "port") else None
    if found and rtype == "network":  # its subnets go with it: forget them too
        # The top let it go, so no top port is left on it: copies of ours still there
        # (their own removal queued behind this one) go first.
        bottom.remove_our_ports(ctx, pod, bottom_id)
        bottom.delete(ctx, pod, rtype, bottom_id, admin=True)
        routing.forget_bottom(pod.pod_id, found["subnets"])
    elif found:  # a port: as when a router lets it go
        bottom.remove_port_then_network(ctx, pod, found)
    elif bottom_id and rtype not in ("network", "port"):
        bottom.delete(ctx, pod, rtype, bottom_id, admin=True)
    routing.forget(top_id, pod.pod_id, rtype)
