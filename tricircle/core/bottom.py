"""Bottom objects: the copies of top resources made in a pod, found by their name.

Every bottom object Tricircle makes is named with the top id it stands for, so that
`ensure` (the routing table's protocol, tricircle/routing.py) can find one a crash left
behind instead of making a second, and carries the tag MARKER: pods are clouds other
tools use too, and the leak audit only ever removes what carries our mark.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import or_, select

from tricircle.core import clients, db, errors, routing
from tricircle.core.context import RequestContext
from tricircle.core.db.models import Pod, Port, Routing

LOG = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Api:
    service_type: str
    path: str  # the collection, e.g. /v2.0/networks
    key: str  # the singular body key, e.g. network


_NETWORKS = Api("network", "/v2.0/networks", "network")
_SUBNETS = Api("network", "/v2.0/subnets", "subnet")
_PORTS = Api("network", "/v2.0/ports", "port")
APIS = {
    "network": _NETWORKS, "bridge_network": _NETWORKS,
    "subnet": _SUBNETS, "bridge_subnet": _SUBNETS,
    "port": _PORTS, "bridge_port": _PORTS,
    "router": Api("network", "/v2.0/routers", "router"),
    "security_group": Api("network", "/v2.0/security-groups", "security_group"),
}


# Set with Neutron's tag API just after the object is made: Neutron (29) takes no `tags`
# in a POST but a port's, and drops those without its tag service plugin.
MARKER = "tricircle"


def api(resource_type: str) -> Api:
    try:
        return APIS[resource_type]
    except KeyError:
        raise errors.BadRequest(f"No bottom API for {resource_type}.") from None


def find(ctx: RequestContext | None, pod: Pod, resource_type: str, name: str,
         admin: bool = False) -> str | None:
    a = api(resource_type)
    resp = clients.get().request(ctx, pod.pod_name, a.service_type, "GET", a.path,
                                 params={"name": name, "fields": "id"}, admin=admin)
    items = next(iter(resp.json().values()))
    return items[0]["id"] if items else None


# The pods' per-project quotas Tricircle's copies count against in the project's name:
# the top holds the project's objects, a pod only copies of them (a router reaching more
# than 30 CIDRs elsewhere had more routes than Neutron's router_route quota allows).
LIFTED_QUOTAS = {"network": -1, "subnet": -1, "port": -1, "router": -1,
                 "router_route": -1, "security_group": -1, "security_group_rule": -1}
_lifted: set[tuple[str, str]] = set()  # (pod, project) this process has done


def lift_quotas(ctx: RequestContext | None, pod: Pod, project_id: str,
                force: bool = False) -> None:
    """Lift a project's quotas in a pod (LIFTED_QUOTAS) before its first copy there, once
    per process (`force`: again). A pod that refuses is logged: the copy is still tried."""
    if not force and (pod.pod_id, project_id) in _lifted:
        return
    try:
        clients.get().request(ctx, pod.pod_name, "network", "PUT",
                              f"/v2.0/quotas/{project_id}", admin=True,
                              json={"quota": LIFTED_QUOTAS})
    except errors.TricircleError as err:
        LOG.warning("Could not lift %s's quotas in %s: %s", project_id, pod.pod_name, err)
        return
    if len(_lifted) >= 100_000:
        _lifted.clear()
    _lifted.add((pod.pod_id, project_id))


def over_quota(message: str) -> bool:
    """Whether a pod's 409 is Neutron's OverQuota ("Quota exceeded for resources: ...")."""
    return "Quota exceeded" in message


def within_quotas(ctx: RequestContext | None, pod: Pod, project_id: str,
                  call: Callable[[], T]) -> T:
    """call(), the project's quotas in the pod lifted first; lifted again and called once
    more if the pod still counts them (its quotas were set back since)."""
    lift_quotas(ctx, pod, project_id)
    try:
        return call()
    except errors.Conflict as err:
        if not over_quota(err.message):
            raise
        LOG.warning("%s counts %s's quotas again: lifting them", pod.pod_name, project_id)
        lift_quotas(ctx, pod, project_id, force=True)
        return call()


def create(ctx: RequestContext | None, pod: Pod, resource_type: str, body: dict,
           admin: bool = False) -> str:
    a = api(resource_type)

    def post() -> object:
        return clients.get().request(ctx, pod.pod_name, a.service_type, "POST", a.path,
                                     json={a.key: body}, admin=admin)
    project = body.get("project_id")
    resp = within_quotas(ctx, pod, project, post) if isinstance(project, str) else post()
    made = resp.json()[a.key]["id"]
    # Marked off the critical path: a job's marks are set once it is done (ctx.deferred;
    # they would slow the pod's answers to its next calls), others' at once in the
    # background. A mark lost with its process is set by the reconciler, which marks
    # every copy the routing table knows.
    def marking() -> None:
        mark(ctx, pod, resource_type, made, admin)
    if ctx is not None and ctx.deferred is not None:
        ctx.deferred.append(marking)
    else:
        clients.get().pool.submit(marking)
    return made


def mark(ctx: RequestContext | None, pod: Pod, resource_type: str, bottom_id: str,
         admin: bool = False) -> None:
    """Tag a copy as ours. A pod without Neutron's tag extension answers 404: its
    objects stay unmarked, and the audit leaves them alone."""
    a = api(resource_type)
    clients.get().request(ctx, pod.pod_name, a.service_type, "PUT",
                          f"{a.path}/{bottom_id}/tags/{MARKER}", admin=admin, expect=(404,))


def listed(ctx: RequestContext | None, pod: Pod, resource_type: str, bottom_id: str,
           admin: bool = False) -> dict | None:
    """The object as the pod lists it, or None. A list by id, never a show: a Neutron
    worker that has just booted was seen to answer 404 for an object it holds."""
    a = api(resource_type)
    found = clients.get().request(ctx, pod.pod_name, a.service_type, "GET", a.path,
                                  params={"id": bottom_id}, admin=admin).json()
    items = next(iter(found.values()))
    return items[0] if items else None


def delete(ctx: RequestContext | None, pod: Pod, resource_type: str, bottom_id: str,
           admin: bool = False) -> None:
    """Delete; already gone is fine. A 404 is believed only once `listed` agrees."""
    a = api(resource_type)
    resp = clients.get().request(ctx, pod.pod_name, a.service_type, "DELETE",
                                 f"{a.path}/{bottom_id}", admin=admin, expect=(404,))
    if resp.status_code == 404 and listed(ctx, pod, resource_type, bottom_id, admin):
        raise errors.Conflict(f"{pod.pod_name} answered 404 deleting {resource_type} "
                              f"{bottom_id}, yet lists it.")


def ensure_complete(ctx: RequestContext | None, pod: Pod, resource_type: str, top_id: str,
                    *, project_id: str, body: dict, admin: bool = False,
                    complete: Callable[[dict], bool] = lambda item: True) -> str:
    """`ensure`, then an object recorded earlier read back (`listed`):
    one gone behind our back, or incomplete (a subnet on another network, a port without
    its address), is made again rather than trusted."""
    known = routing.bottom_id(top_id, pod.pod_id, resource_type)
    bottom_id = ensure(ctx, pod, resource_type, top_id, project_id=project_id, body=body,
                       admin=admin)
    if known is None:  # made just now from `body`: nothing to doubt yet
        return bottom_id
    item = listed(ctx, pod, resource_type, bottom_id, admin)
    if item and complete(item):
        return bottom_id
    if item:
        delete(ctx, pod, resource_type, bottom_id, admin)
    routing.forget(top_id, pod.pod_id, resource_type)
    return ensure(ctx, pod, resource_type, top_id, project_id=project_id, body=body,
                  admin=admin)


def ensure(ctx: RequestContext | None, pod: Pod, resource_type: str, top_id: str, *,
           project_id: str, body: dict, admin: bool = False) -> str:
    """The bottom id of top_id in pod, made from `body` (named top_id) at most once."""
    body = {**body, "name": top_id}
    return routing.ensure(
        top_id, pod, resource_type, project_id, owner=ctx.job_owner if ctx else None,
        find=lambda: _found_ours(ctx, pod, resource_type, top_id, admin),
        create=lambda: create(ctx, pod, resource_type, body, admin),
        delete=lambda bottom_id: delete(ctx, pod, resource_type, bottom_id, admin))


def _found_ours(ctx: RequestContext | None, pod: Pod, resource_type: str, top_id: str,
                admin: bool) -> str | None:
    """A copy a crash left behind (our routing row names it) may lack its mark yet."""
    bottom_id = find(ctx, pod, resource_type, top_id, admin)
    if bottom_id:
        mark(ctx, pod, resource_type, bottom_id, admin)
    return bottom_id


def ensure_port(ctx: RequestContext | None, pod: Pod, resource_type: str, top_id: str, *,
                project_id: str, body: dict, legit: Callable[[dict], bool],
                complete: Callable[[dict], bool] | None = None) -> str:
    """`ensure` (`ensure_complete` with `complete`) for a port copy whose addresses (or
    MAC) may still be held by the copy of a port the top has since removed or readdressed
    (its removal queued behind this, or lost): the top decides addresses, so such a holder
    is removed and the port made again. A holder without our mark, or one `legit` (item
    -> it still holds them at the top) says is current, is a real conflict and raises."""
    def make() -> str:
        if complete is None:
            return ensure(ctx, pod, resource_type, top_id, project_id=project_id, body=body,
                          admin=True)
        return ensure_complete(ctx, pod, resource_type, top_id, project_id=project_id,
                               body=body, admin=True, complete=complete)
    try:
        return make()
    except errors.Conflict:
        if not _evict_holders(ctx, pod, top_id, body, legit):
            raise
    return make()


def _evict_holders(ctx: RequestContext | None, pod: Pod, top_id: str, body: dict,
                   legit: Callable[[dict], bool]) -> bool:
    pc = clients.get()
    wanted = {(f.get("subnet_id"), f.get("ip_address")) for f in body.get("fixed_ips", ())}
    ports = pc.request(ctx, pod.pod_name, "network", "GET", "/v2.0/ports", admin=True,
                       params={"network_id": body["network_id"]}).json()["ports"]
    holders = [p for p in ports if p["name"] != top_id and (
        (body.get("mac_address") and p["mac_address"] == body["mac_address"])
        or wanted & {(f["subnet_id"], f["ip_address"]) for f in p["fixed_ips"]})]
    if not holders:
        return True  # gone since (its removal ran meanwhile): make it again
    if any(MARKER not in (p.get("tags") or ()) or legit(p) for p in holders):
        return False
    for p in holders:
        remove_port(ctx, pod, p)
    return True


def remove_port(ctx: RequestContext | None, pod: Pod, port: dict) -> None:
    """Delete a port copy (as the pod lists it) and forget it; a router's interface leaves
    its router instead (Neutron refuses to delete it directly, and deletes it then)."""
    if port["device_owner"] == "network:router_interface" and port["device_id"]:
        clients.get().request(ctx, pod.pod_name, "network", "PUT",
                              f"/v2.0/routers/{port['device_id']}/remove_router_interface",
                              admin=True, json={"port_id": port["id"]}, expect=(404,))
    else:
        delete(ctx, pod, "port", port["id"], admin=True)
    routing.forget_bottom(pod.pod_id, [port["id"]])


def remove_port_then_network(ctx: RequestContext, pod: Pod, port: dict) -> None:
    """`remove_port`, then its network copy if nothing uses it any more."""
    remove_port(ctx, pod, port)
    drop_network_if_unused(ctx, pod, port["network_id"])


def remove_our_ports(ctx: RequestContext, pod: Pod, b_net: str) -> None:
    """Remove every port copy of ours on a network the top no longer needs: marked, or
    known to the routing table (its mark is set after its job)."""
    ports = clients.get().request(ctx, pod.pod_name, "network", "GET", "/v2.0/ports",
                                  admin=True, params={"network_id": b_net}).json()["ports"]
    routed = routing.top_ids(pod.pod_id, [p["id"] for p in ports])
    for port in ports:
        if MARKER in (port.get("tags") or ()) or port["id"] in routed:
            remove_port(ctx, pod, port)


def drop_network_if_unused(ctx: RequestContext, pod: Pod, b_net: str) -> None:
    """Delete a bottom network Tricircle made once no port (but DHCP's) is left on it:
    a server of the same network may still be using it."""
    pc = clients.get()
    ports = pc.request(ctx, pod.pod_name, "network", "GET", "/v2.0/ports", admin=True,
                       params={"network_id": b_net, "fields": ["id", "device_owner"]}
                       ).json()["ports"]
    if any(not p["device_owner"].startswith("network:dhcp") for p in ports) \
            or _wanted_by_top(pod, b_net):
        return
    net = listed(ctx, pod, "network", b_net, admin=True)
    if net is None:
        routing.forget_bottom(pod.pod_id, [b_net])
        return
    delete(ctx, pod, "network", b_net, admin=True)
    routing.forget_bottom(pod.pod_id, [b_net, *net["subnets"]])


def _wanted_by_top(pod: Pod, b_net: str) -> bool:
    """Is a port of the network's top network in the pod (by the routing table: its copy
    may be being made), or reserved for a boot (its copy may be made next)?"""
    top = routing.top_ids(pod.pod_id, [b_net]).get(b_net)
    if top is None:
        return False
    on_it = select(Port.id).where(Port.network_id == top[0])
    with db.transaction() as s:
        routed = s.scalar(select(Routing.id).where(
            Routing.pod_id == pod.pod_id, Routing.resource_type == "port",
            Routing.top_id.in_(on_it)).limit(1))
        booting = s.scalar(on_it.where(Port.device_id == "", or_(
            Port.server_owned, Port.device_owner.like("compute:%"))).limit(1))
    return routed is not None or booting is not None
