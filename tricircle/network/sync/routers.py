"""The jobs that make the pods agree with a top router (level-triggered, safe to re-run).

setup_router(R): in every pod where R has interfaces, the bottom router, the tenant
networks/subnets and interface ports (same IP and MAC as at the top), the project's bridge
VLAN network + subnet and R's bridge port there, all attached, then its routes; in every
pod R left (or everywhere, once R is deleted) all of it removed again. Each pod's chain
runs at once with the others': a pod's routes need only its own router (every bridge IP
is allocated at the top beforehand), so a pod already set up gets its new routes while
a new pod is still being made.

configure_routes(R) (also queued alone when only the user's routes change): on each
bottom router, the routes l3.extra_routes computes from the top state, written whole,
only where they differ. A pod R joined after the job planned is left to the
setup_router its interface add queued (it runs next, routes included).

Everything is made with the service account (users may not make provider networks) in
the project's name; every bottom object is named with the top id it stands for.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from tricircle.core import bottom, clients, db, routing
from tricircle.core.context import RequestContext
from tricircle.core.db.models import (
    Bridge,
    BridgePort,
    IPAllocation,
    Network,
    Pod,
    Port,
    Router,
    Routing,
    Subnet,
)
from tricircle.network import bottom_copies, l3, routers

LOG = logging.getLogger(__name__)


@dataclass
class PodPlan:
    """What a router needs in one pod."""
    pod: Pod
    interfaces: list[tuple[Port, IPAllocation, Subnet, Network]] = field(default_factory=list)
    bridge_port: BridgePort | None = None


@dataclass
class Plan:
    router: Router | None
    project_id: str
    bridge: Bridge | None
    wanted: dict[str, PodPlan]  # pod_id -> plan
    present: list[Pod]  # pods holding a bottom router or a bridge IP of the router


def _plan(router_id: str) -> Plan | None:
    with db.transaction() as s:
        router = s.get(Router, router_id)
        in_routing = select(Routing.pod_id).where(Routing.top_id == router_id,
                                                  Routing.resource_type == "router")
        with_ip = select(BridgePort.pod_id).where(BridgePort.router_id == router_id)
        present = list(s.scalars(select(Pod).where(Pod.pod_id.in_(in_routing.union(with_ip)))))
        if router is None:
            project = s.scalar(select(Routing.project_id).where(Routing.top_id == router_id)) \
                or s.scalar(select(Bridge.project_id).join(
                    BridgePort, BridgePort.bridge_id == Bridge.id)
                    .where(BridgePort.router_id == router_id))
            if project is None:
                return None
            return Plan(None, project, None, {}, present)
        wanted: dict[str, PodPlan] = {}
        for item in routers.interfaces(s, router_id):
            pod = routers.pod_of_network(s, router.project_id, item[3], bind=False)
            wanted.setdefault(pod.pod_id, PodPlan(pod)).interfaces.append(item)
        for bport in s.scalars(select(BridgePort).where(BridgePort.router_id == router_id)):
            if bport.pod_id in wanted:
                wanted[bport.pod_id].bridge_port = bport
        bridge = s.scalar(select(Bridge).where(Bridge.project_id == router.project_id))
        return Plan(router, router.project_id, bridge, wanted, present)


def _call(ctx: RequestContext, pod: Pod, method: str, path: str, **kwargs) -> dict | None:
    resp = clients.get().request(ctx, pod.pod_name, "network", method, path, admin=True,
                                 **kwargs)
    return resp.json() if resp.content else None


def _router_ports(ctx: RequestContext, pod: Pod, b_router: str) -> list[dict]:
    """The router's interfaces, with what bottom.remove_port needs to detach them."""
    return _call(ctx, pod, "GET", "/v2.0/ports", params={
        "device_id": b_router,
        "fields": ["id", "name", "network_id", "device_id", "device_owner"]})["ports"]


def _attach(ctx: RequestContext, pod: Pod, b_router: str, b_port: str,
            attached: set[str]) -> None:
    if b_port not in attached:
        _call(ctx, pod, "PUT", f"/v2.0/routers/{b_router}/add_router_interface",
              json={"port_id": b_port})


def _bridge_objects(ctx: RequestContext, pod: Pod, project: str, bridge: Bridge,
                    bport: BridgePort) -> str:
    """The project's bridge network and subnet in the pod and the router's bridge port
    on it; the port's id."""
    # Each read back and remade if gone or incomplete: a bridge left half made (a network
    # without its subnet, a port without its address) must not break every later router.
    b_net = bottom.ensure_complete(ctx, pod, "bridge_network", bridge.id, project_id=project,
                                   admin=True, body={
                                       "project_id": project, "provider:network_type": "vlan",
                                       "provider:physical_network": bridge.physical_network,
                                       "provider:segmentation_id": bridge.vlan})
    b_sub = bottom.ensure_complete(ctx, pod, "bridge_subnet", bridge.id, project_id=project,
                                   admin=True, body={
                                       "project_id": project, "network_id": b_net,
                                       "ip_version": 4, "cidr": bridge.cidr,
                                       "gateway_ip": None, "enable_dhcp": False},
                                   complete=lambda sub: sub["network_id"] == b_net)
    def complete(port: dict) -> bool:
        return [(ip["subnet_id"], ip["ip_address"]) for ip in port["fixed_ips"]] == [
            (b_sub, bport.ip_address)]

    # A released bridge IP handed out again may still be held by the old router's port.
    return bottom.ensure_port(
        ctx, pod, "bridge_port", bport.id, project_id=project, legit=_bridge_ip_held,
        body={"project_id": project, "network_id": b_net,
              "fixed_ips": [{"subnet_id": b_sub, "ip_address": bport.ip_address}]},
        complete=complete)


def _bridge_ip_held(copy: dict) -> bool:
    with db.transaction() as s:
        bport = s.get(BridgePort, copy["name"])
    return bport is not None and bport.ip_address in {f["ip_address"]
                                                      for f in copy["fixed_ips"]}


def _setup_pod(ctx: RequestContext, plan: Plan, want: PodPlan) -> tuple[str, bool]:
    """The pod's bottom router, made ready; whether it was known before (else its routes
    are written without reading them first: a new copy has none, nor has one a crash
    left behind before its routing row was filled, as routes come after that)."""
    pod, router, project = want.pod, plan.router, plan.project_id
    if plan.bridge is None or want.bridge_port is None:  # the API allocates both first
        raise RuntimeError(f"Router {router.id} has interfaces in {pod.pod_name} but no "
                           "bridge IP there.")
    bridge, bport = plan.bridge, want.bridge_port

    known = routing.bottom_id(router.id, pod.pod_id, "router")

    def bottom_router() -> str:
        attrs = bottom_copies.followed(router)
        b_router = bottom.ensure(ctx, pod, "router", router.id, project_id=project,
                                 admin=True, body={"project_id": project, **attrs})
        if known:  # made earlier: it follows the top (changed there meanwhile)
            bottom_copies.follow(ctx, pod, "router", b_router, attrs)
        return b_router

    # The router, each interface's port (with its network and subnet) and the bridge's
    # network, subnet and port do not depend on each other: made at once.
    steps: list[Callable[[], str]] = [
        bottom_router, *(lambda port=item[0]: bottom_copies.ensure_port(ctx, pod, port)
                         for item in want.interfaces),
        lambda: _bridge_objects(ctx, pod, project, bridge, bport)]
    results = clients.get().fanout(steps, lambda step: step())
    clients.raise_first(results)
    b_router, *b_ports = [made for _, made in results]
    ports = _router_ports(ctx, pod, b_router)
    attached = {p["id"] for p in ports}
    clients.raise_first(clients.get().fanout(
        b_ports, lambda b_port: _attach(ctx, pod, b_router, b_port, attached)))
    keep = {item[0].id for item in want.interfaces} | {bport.id}
    for stale in ports:  # an interface leaves (Neutron deletes its port), then its network
        if stale["name"] not in keep:
            bottom.remove_port_then_network(ctx, pod, stale)
    return b_router, known is not None


def _teardown_pod(ctx: RequestContext, plan: Plan, router_id: str, pod: Pod) -> None:
    b_router = routing.bottom_id(router_id, pod.pod_id, "router") or \
        bottom.find(ctx, pod, "router", router_id, admin=True)
    if b_router:
        # Routes first: Neutron keeps an interface that a route's nexthop needs.
        _call(ctx, pod, "PUT", f"/v2.0/routers/{b_router}", json={"router": {"routes": []}},
              expect=(404,))
        for port in _router_ports(ctx, pod, b_router):
            bottom.remove_port_then_network(ctx, pod, port)
        bottom.delete(ctx, pod, "router", b_router, admin=True)
    routing.forget(router_id, pod.pod_id, "router")
    with db.transaction() as s:  # its bridge port is gone: the IP may be handed out again
        # ... unless an interface in this pod was added since the plan: the API, holding
        # the same row lock, kept the bridge IP it found (its setup_router comes next).
        db.lock(s, Router, router_id)
        if not _spans(s, router_id, pod.pod_id):
            s.execute(BridgePort.__table__.delete().where(BridgePort.router_id == router_id,
                                                          BridgePort.pod_id == pod.pod_id))


def _spans(s, router_id: str, pod_id: str) -> bool:
    router = s.get(Router, router_id)
    return router is not None and any(
        routers.pod_of_network(s, router.project_id, item[3], bind=False).pod_id == pod_id
        for item in routers.interfaces(s, router_id))


def _release_bridges(ctx: RequestContext, project: str) -> None:
    """The project's bridge network leaves every pod where none of its routers has a
    bridge IP any more; the VLAN and CIDR are released once it has left every pod.
    Level-triggered over all pods holding it: one a failed run left behind goes too."""
    with db.transaction() as s:
        bridge = s.scalar(select(Bridge).where(Bridge.project_id == project))
        if bridge is None:
            return
        used = set(s.scalars(select(BridgePort.pod_id)
                             .where(BridgePort.bridge_id == bridge.id)))
        holding = list(s.execute(select(Pod, Routing.bottom_id)
                                 .join(Routing, Routing.pod_id == Pod.pod_id)
                                 .where(Routing.top_id == bridge.id,
                                        Routing.resource_type == "bridge_network",
                                        Routing.bottom_id.is_not(None))))
    for pod, b_net in holding:
        if pod.pod_id in used:
            continue
        # No bridge IP here: a port of ours still on it was made by a setup that failed
        # before attaching it (or its router's teardown was cut short).
        bottom.remove_our_ports(ctx, pod, b_net)
        bottom.drop_network_if_unused(ctx, pod, b_net)
    with db.transaction() as s:
        left = s.scalar(select(Routing.id).where(
            Routing.top_id == bridge.id, Routing.resource_type == "bridge_network"))
        if not used and left is None:
            s.execute(Bridge.__table__.delete().where(
                Bridge.id == bridge.id,
                ~select(BridgePort.id).where(BridgePort.bridge_id == bridge.id).exists()))


def setup_router(ctx: RequestContext, resource: dict) -> None:
    router_id = resource["router_id"]
    plan = _plan(router_id)
    if plan is None:
        return
    leaving = [p for p in plan.present if p.pod_id not in plan.wanted]
    routes = _routes(plan)

    def pod_chain(want: PodPlan) -> None:
        b_router, known = _setup_pod(ctx, plan, want)
        bottom.within_quotas(ctx, want.pod, plan.project_id, lambda: _write_routes(
            ctx, want.pod, b_router, routes.get(want.pod.pod_id, []), read=known))

    pc = clients.get()
    results = pc.fanout(plan.wanted.values(), pod_chain)
    results += pc.fanout(leaving, lambda pod: _teardown_pod(ctx, plan, router_id, pod))
    clients.raise_first(results)
    _release_bridges(ctx, plan.project_id)


def configure_routes(ctx: RequestContext, resource: dict) -> None:
    router_id = resource["router_id"]
    plan = _plan(router_id)
    if plan is None or plan.router is None:
        return
    routes = _routes(plan)

    def write(want: PodPlan) -> None:
        b_router = routing.bottom_id(router_id, want.pod.pod_id, "router")
        if b_router is None:  # joined after setup_router planned: its own run writes them
            LOG.debug("Router %s not set up in %s yet", router_id, want.pod.pod_name)
            return
        bottom.within_quotas(ctx, want.pod, plan.project_id, lambda: _write_routes(
            ctx, want.pod, b_router, routes.get(want.pod.pod_id, []), read=True))

    clients.raise_first(clients.get().fanout(plan.wanted.values(), write))


def _routes(plan: Plan) -> dict[str, list[dict]]:
    """pod id -> the routes its bottom router needs (l3.extra_routes over the plan)."""
    if plan.router is None:
        return {}
    attached = {pod_id: [item[2].cidr for item in want.interfaces]
                for pod_id, want in plan.wanted.items()}
    bridge_ips = {pod_id: want.bridge_port.ip_address for pod_id, want in plan.wanted.items()
                  if want.bridge_port is not None}
    return l3.extra_routes(attached, bridge_ips, plan.router.routes)


def _write_routes(ctx: RequestContext, pod: Pod, b_router: str, routes: list[dict], *,
                  read: bool) -> None:
    """Written whole; with `read`, only if the router shows others."""
    if read:
        have = _call(ctx, pod, "GET", f"/v2.0/routers/{b_router}")["router"]["routes"]
        if sorted(have, key=_route_key) == sorted(routes, key=_route_key):
            return
    elif not routes:
        return
    _call(ctx, pod, "PUT", f"/v2.0/routers/{b_router}", json={"router": {"routes": routes}})


def _route_key(route: dict) -> tuple[str, str]:
    return route["destination"], route["nexthop"]
