"""The copy of a deleted top network object (network, subnet, port, group) leaves its pod."""
from __future__ import annotations

from tricircle.core import bottom, clients, db, pods, routing
from tricircle.core.context import RequestContext
from tricircle.core.db.models import Pod


def delete_bottom(ctx: RequestContext, resource: dict) -> None:
    """Remove a top resource's copy from a pod, then its routing row."""
    with db.transaction() as s:
        pod = pods.get_pod(s, resource["pod_id"])
    top_id, rtype = resource["top_id"], resource["resource_type"]
    # No bottom id yet: its creator may have died after creating it; find it by name.
    bottom_id = routing.bottom_id(top_id, pod.pod_id, rtype) or \
        bottom.find(ctx, pod, rtype, top_id, admin=True)
    if bottom_id and rtype == "network":  # its subnets go with it: forget them too
        # Listed, not shown: a just-booted Neutron was seen to answer a show with 404.
        for net in clients.get().request(ctx, pod.pod_name, "network", "GET",
                                         "/v2.0/networks", admin=True,
                                         params={"id": bottom_id}).json()["networks"]:
            # The top let it go, so no top port is left on it: copies of ours still there
            # (their own removal queued behind this one) go first.
            ports = _ports(ctx, pod, {"network_id": bottom_id})
            routed = routing.top_ids(pod.pod_id, [p["id"] for p in ports])
            for port in ports:  # ours: marked, or known to the routing table (unmarked yet)
                if bottom.MARKER in (port.get("tags") or ()) or port["id"] in routed:
                    bottom.remove_port(ctx, pod, port)
            bottom.delete(ctx, pod, rtype, bottom_id, admin=True)
            routing.forget_bottom(pod.pod_id, net["subnets"])
    elif bottom_id and rtype == "port":
        for port in _ports(ctx, pod, {"id": bottom_id}):
            bottom.remove_port(ctx, pod, port)
            # As when a router lets it go: a network copy nothing uses any more leaves.
            bottom.drop_network_if_unused(ctx, pod, port["network_id"])
    elif bottom_id:
        bottom.delete(ctx, pod, rtype, bottom_id, admin=True)
    routing.forget(top_id, pod.pod_id, rtype)


def _ports(ctx: RequestContext, pod: Pod, params: dict) -> list[dict]:
    return clients.get().request(ctx, pod.pod_name, "network", "GET", "/v2.0/ports",
                                 admin=True, params=params).json()["ports"]

