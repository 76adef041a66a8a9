"""Top routers and their interfaces, and each project's bridge (Neutron's rules and
messages). An interface is a top port owned by the router; its pod is its network's one AZ
hint. Adding or removing one changes only the top state and queues `setup_router`
(tricircle/network/sync/routers.py), which makes the pods agree, then their routes. A bridge IP is
freed by that job once its port has left the pod, so it is never handed out twice."""
from __future__ import annotations

import ipaddress

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tricircle.core import db, errors, jobs, pods
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext
from tricircle.core.db.models import (
    Bridge,
    BridgePort,
    IPAllocation,
    Job,
    Network,
    Pod,
    Port,
    Router,
    RouterPort,
    Subnet,
    new_id,
    utcnow,
)
from tricircle.network import ipam, l3
from tricircle.network import networks as networking

ROUTER_INTERFACE = "network:router_interface"
SYNC_JOBS = ("setup_router", "configure_routes")


def get_router(s: Session, ctx: RequestContext, router_id: str) -> Router:
    return networking.found(
        s, ctx, Router, router_id, action="get_router",
        missing=errors.NotFound(f"Router {router_id} could not be found",
                                kind="RouterNotFound"))


def interfaces(s: Session, router_id: str) -> list[tuple[Port, IPAllocation, Subnet, Network]]:
    """The router's interfaces, as its API recorded them: (port, its address, subnet,
    network), oldest first."""
    rows = s.execute(
        select(Port, IPAllocation, Subnet, Network)
        .join(RouterPort, RouterPort.port_id == Port.id)
        .join(IPAllocation, IPAllocation.port_id == Port.id)
        .join(Subnet, Subnet.id == IPAllocation.subnet_id)
        .join(Network, Network.id == Port.network_id)
        .where(RouterPort.router_id == router_id)
        .order_by(Port.created_at, Port.id))
    return [tuple(row) for row in rows]


def pod_of_network(s: Session, project_id: str, net: Network, *, bind: bool = True) -> Pod:
    """The pod a network lives in for routing: the project's pod of its one AZ hint.
    Joining a router binds the project there if needed (`bind`); the jobs that make the
    pods agree only read: a binding that went away is an error, never a new binding."""
    zones = networking.zones(net)
    if len(zones) != 1:
        has = "several availability zone hints" if zones else "no availability zone hint"
        raise errors.BadRequest(
            f"Bad router request: network {net.id} has {has}; a network joins a router "
            "in exactly one pod: create it with one --availability-zone-hint.",
            kind="BadRequest")
    if bind:
        return pods.pod_for_project(s, project_id, zones[0])
    pod = pods.bound_pod(s, project_id, zones[0])
    if pod is None:
        raise errors.Conflict(f"Project {project_id} has no pod bound in availability zone "
                              f"{zones[0]}, where network {net.id} lives.")
    return pod


def _status(s: Session, router_id: str) -> str:
    """ALLOCATING while the pods are being brought in line with it, ERROR if that failed
    for good (the job says why: /v1.0/jobs), else ACTIVE."""
    keys = [f"{t}:{router_id}" for t in SYNC_JOBS]
    if s.scalar(select(func.count()).select_from(Job).where(
            Job.queued_key.in_(keys) | Job.running_key.in_(keys))):
        return "ALLOCATING"
    last = s.scalar(select(Job.status).where(Job.type.in_(SYNC_JOBS),
                                             Job.resource_key == router_id)
                    .order_by(Job.updated_at.desc()).limit(1))
    return "ERROR" if last == jobs.FAIL else "ACTIVE"


def router_dict(s: Session, router: Router) -> dict:
    lives = [networking.zones(net) for _, _, _, net in interfaces(s, router.id)]
    zones = sorted({z[0] for z in lives if len(z) == 1})
    return {"id": router.id, "name": router.name, "description": router.description,
            "tenant_id": router.project_id, "project_id": router.project_id,
            "admin_state_up": router.admin_state_up,
            "status": _status(s, router.id),
            "external_gateway_info": None, "routes": router.routes,
            "availability_zone_hints": [], "availability_zones": zones, "tags": [],
            "revision_number": router.revision_number,
            "created_at": networking.iso(router.created_at),
            "updated_at": networking.iso(router.updated_at)}


def sync(s: Session, router: Router) -> None:
    """Queue the job that brings the pods in line with the router's top state (also
    after it is deleted: the job tears its bottom routers down)."""
    jobs.enqueue(s, "setup_router", {"router_id": router.id}, router.project_id)


def create_router(s: Session, ctx: RequestContext, values: dict) -> Router:
    project = networking.project_for(ctx, values, "create_router")
    _not_offered(s, ctx, "create_router", project, values)
    if values.get("availability_zone_hints"):
        raise errors.BadRequest("Bad router request: a router spans the pods of the "
                                "networks it joins; it takes no availability zone hints.",
                                kind="BadRequest")
    router = Router(project_id=project, name=values["name"],
                    description=values["description"],
                    admin_state_up=values["admin_state_up"], routes=[])
    s.add(router)
    s.flush()
    return router


def _not_offered(s: Session, ctx: RequestContext, action: str, project: str,
                 values: dict) -> None:
    """External gateways and distributed routers: what Neutron says first (a network
    that is not there, a policy), then that this cloud has none."""
    gateway = values.pop("external_gateway_info", None)
    if gateway:
        net_id = gateway.get("network_id")
        if not isinstance(net_id, str):
            raise errors.BadRequest("Invalid input for external_gateway_info. Reason: "
                                    "network_id is required.", kind="HTTPBadRequest")
        net = networking.get_network(s, ctx, net_id)  # 404 NetworkNotFound
        # No network of ours is external (router:external is always false).
        raise errors.BadRequest(f"Bad router request: Network {net.id} is not an "
                                "external network.", kind="BadRequest")
    distributed = values.pop("distributed", None)
    if distributed is not None:
        networking.owned(ctx, f"{action}:distributed", project)
        if distributed:
            raise errors.BadRequest("Bad router request: distributed routers are not "
                                    "offered by this cloud.", kind="BadRequest")


def check_routes(s: Session, router: Router, routes: list[dict]) -> list[dict]:
    """Neutron's rule: each nexthop lies on a subnet the router is attached to."""
    cidrs = [ipam.parse_cidr(sub.cidr) for _, _, sub, _ in interfaces(s, router.id)]
    out = []
    for route in routes:
        dest = ipam.parse_cidr(route["destination"])
        hop = ipam.parse_ip(route["nexthop"], "nexthop")
        if not any(hop in c for c in cidrs):
            raise errors.BadRequest(f"Invalid format for routes: {routes}, the nexthop is "
                                    "not connected with router", kind="InvalidRoutes")
        item = {"destination": str(dest), "nexthop": str(hop)}
        if item not in out:
            out.append(item)
    return out


def update_router(s: Session, ctx: RequestContext, router: Router, values: dict) -> None:
    _not_offered(s, ctx, "update_router", router.project_id, values)
    networking.owned(ctx, "update_router", router.project_id)  # before what it reads
    if "routes" in values:
        values["routes"] = check_routes(s, router, values["routes"])
    networking.update(s, ctx, router, values)  # its copies follow (sync_copy)
    if "routes" in values:
        jobs.enqueue(s, "configure_routes", {"router_id": router.id}, router.project_id)


def change_routes(s: Session, ctx: RequestContext, router: Router, routes: list[dict],
                  add: bool) -> None:
    """add_extraroutes / remove_extraroutes (extraroute-atomic)."""
    networking.owned(ctx, "update_router", router.project_id)
    routes = check_routes(s, router, routes) if add else routes
    if add:
        new = router.routes + [r for r in routes if r not in router.routes]
    else:
        gone = [{"destination": str(ipam.parse_cidr(r["destination"])),
                 "nexthop": str(ipam.parse_ip(r["nexthop"], "nexthop"))} for r in routes]
        new = [r for r in router.routes if r not in gone]
    networking.update(s, ctx, router, {"routes": new})
    jobs.enqueue(s, "configure_routes", {"router_id": router.id}, router.project_id)


def delete_router(s: Session, ctx: RequestContext, router: Router) -> None:
    networking.owned(ctx, "delete_router", router.project_id)
    if interfaces(s, router.id):
        raise errors.Conflict(f"Router {router.id} still has ports", kind="RouterInUse")
    s.delete(router)
    sync(s, router)


# -- the project's bridge ----------------------------------------------------------------

def _vlan_range() -> tuple[int, int]:
    first, last = (int(x) for x in CONF.l3.bridge_vlan_range.split(":"))
    return first, last


def ensure_bridge(s: Session, project_id: str) -> Bridge:
    """The project's bridge (VLAN + CIDR), allocated on first use. Concurrent requests
    race on unique keys; the loser picks again."""
    for _ in range(20):
        found = s.scalar(select(Bridge).where(Bridge.project_id == project_id))
        if found is not None:
            return found
        physnet = CONF.l3.bridge_physical_network
        vlan = l3.pick_vlan(_vlan_range(), s.scalars(
            select(Bridge.vlan).where(Bridge.physical_network == physnet)))
        tenant = s.scalars(select(Subnet.cidr).where(Subnet.project_id == project_id))
        cidr = l3.pick_bridge_cidr(CONF.l3.bridge_cidr_pool, s.scalars(select(Bridge.cidr)),
                                   tenant, CONF.l3.bridge_prefixlen)
        db.insert_ignore(s, Bridge, {"id": new_id(), "project_id": project_id,
                                     "physical_network": physnet, "vlan": vlan, "cidr": cidr,
                                     "created_at": utcnow()})
    raise errors.Conflict("Could not allocate a bridge network; try again.")


def ensure_bridge_port(s: Session, bridge: Bridge, router_id: str, pod_id: str) -> BridgePort:
    """The router's bridge IP in a pod, allocated at the top on first use."""
    for _ in range(20):
        found = s.scalar(select(BridgePort).where(BridgePort.router_id == router_id,
                                                  BridgePort.pod_id == pod_id))
        if found is not None:
            return found
        used = {ipaddress.ip_address(ip) for ip in s.scalars(
            select(BridgePort.ip_address).where(BridgePort.bridge_id == bridge.id))}
        net = ipaddress.ip_network(bridge.cidr)
        first, last = net.network_address + 1, net.broadcast_address - 1
        ip = ipam.allocate([ipam.Pool(first, last)], used)
        try:
            db.insert_ignore(s, BridgePort, {"id": new_id(), "bridge_id": bridge.id,
                                             "router_id": router_id, "pod_id": pod_id,
                                             "ip_address": str(ip), "created_at": utcnow()})
        except IntegrityError as err:  # the bridge was released meanwhile
            raise errors.Conflict("The project's bridge network is being released; try "
                                  "again.") from err
    raise errors.Conflict("Could not allocate a bridge IP; try again.")


# -- interfaces --------------------------------------------------------------------------

def _interface_info(router: Router, port: Port, sub: Subnet) -> dict:
    return {"id": router.id, "tenant_id": router.project_id,
            "project_id": router.project_id, "port_id": port.id, "subnet_id": sub.id,
            "subnet_ids": [sub.id], "network_id": port.network_id}


def _one_of(body: dict) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        raise errors.BadRequest("Bad router request: the body must be an object.",
                                kind="BadRequest")
    unknown = set(body) - {"subnet_id", "port_id"}
    if unknown:
        raise errors.BadRequest(f"Unrecognized attribute(s) '{', '.join(sorted(unknown))}'",
                                kind="HTTPBadRequest")
    subnet_id, port_id = body.get("subnet_id"), body.get("port_id")
    for value in (subnet_id, port_id):
        if value is not None and not isinstance(value, str):
            raise errors.BadRequest(f"Bad router request: '{value}' is not a valid id.",
                                    kind="BadRequest")
    if not subnet_id and not port_id:
        raise errors.BadRequest("Bad router request: Either subnet_id or port_id must be "
                                "specified.", kind="BadRequest")
    return subnet_id, port_id


def add_interface(s: Session, ctx: RequestContext, router: Router, body: dict) -> dict:
    networking.owned(ctx, "add_router_interface", router.project_id)
    subnet_id, port_id = _one_of(body)
    db.lock(s, Router, router.id)  # overlapping subnets added at once: one at a time
    if subnet_id and port_id:
        raise errors.BadRequest("Bad router request: Cannot specify both subnet-id and "
                                "port-id.", kind="BadRequest")
    port = None
    if port_id:
        port = networking.get_port(s, ctx, port_id)
        networking.owned(ctx, "add_router_interface", port.project_id)
        if port.device_id or s.get(RouterPort, port.id) is not None:
            raise errors.Conflict(f"Unable to complete operation on port {port.id} for "
                                  f"network {port.network_id}. Port already has an "
                                  f"attached device {port.device_id}.", kind="PortInUse")
        ips = list(s.scalars(select(IPAllocation).where(IPAllocation.port_id == port.id)))
        if len(ips) != 1:
            raise errors.BadRequest("Bad router request: Router port must have exactly one "
                                    "fixed IP.", kind="BadRequest")
        sub = s.get_one(Subnet, ips[0].subnet_id)
    else:
        sub = networking.get_subnet(s, ctx, subnet_id)
        networking.owned(ctx, "add_router_interface", sub.project_id)
        if not sub.gateway_ip:
            raise errors.BadRequest(f"Bad router request: Subnet {sub.id} for router "
                                    "interface must have a gateway IP.", kind="BadRequest")
    net = s.get_one(Network, sub.network_id)
    pod = pod_of_network(s, router.project_id, net)
    cidr = ipam.parse_cidr(sub.cidr)
    for _, _, other, _ in interfaces(s, router.id):
        if other.id == sub.id:
            raise errors.BadRequest(f"Bad router request: Router already has a port on "
                                    f"subnet {sub.id}.", kind="BadRequest")
        if ipam.overlaps(cidr, ipam.parse_cidr(other.cidr)):
            raise errors.BadRequest(f"Bad router request: Cidr {sub.cidr} of subnet "
                                    f"{sub.id} overlaps with cidr {other.cidr} of subnet "
                                    f"{other.id}.", kind="BadRequest")
    bridge = ensure_bridge(s, router.project_id)
    if l3.bridge_conflicts(bridge.cidr, sub.cidr):
        raise errors.BadRequest(f"Bad router request: Cidr {sub.cidr} of subnet {sub.id} "
                                f"overlaps with the project's bridge network "
                                f"{bridge.cidr}.", kind="BadRequest")
    ensure_bridge_port(s, bridge, router.id, pod.pod_id)
    if port is None:
        port = networking.create_port(s, ctx, {
            "network_id": net.id, "name": "", "description": "", "admin_state_up": True,
            "device_id": router.id, "device_owner": ROUTER_INTERFACE,
            "project_id": router.project_id,
            "fixed_ips": [{"subnet_id": sub.id, "ip_address": sub.gateway_ip}]})
    else:
        port.device_id, port.device_owner = router.id, ROUTER_INTERFACE
    s.add(RouterPort(port_id=port.id, router_id=router.id))
    router.revision_number += 1
    sync(s, router)
    try:
        s.flush()
    except IntegrityError as err:  # the same port taken by another router at once
        raise errors.Conflict(f"Port {port.id} is already in use.", kind="PortInUse") from err
    return _interface_info(router, port, sub)


def remove_interface(s: Session, ctx: RequestContext, router: Router, body: dict) -> dict:
    networking.owned(ctx, "remove_router_interface", router.project_id)
    subnet_id, port_id = _one_of(body)
    found = interfaces(s, router.id)
    if port_id:
        match = [i for i in found if i[0].id == port_id]
        if not match:
            raise errors.NotFound(f"Router {router.id} does not have an interface with id "
                                  f"{port_id}", kind="RouterInterfaceNotFound")
        if subnet_id and match[0][2].id != subnet_id:
            raise errors.Conflict(f"Subnet {subnet_id} could not be found on port "
                                  f"{port_id}.", kind="SubnetMismatchForPort")
    else:
        match = [i for i in found if i[2].id == subnet_id]
        if not match:
            raise errors.NotFound(f"Router {router.id} has no interface on subnet "
                                  f"{subnet_id}", kind="RouterInterfaceNotFoundForSubnet")
    port, _, sub, _ = match[0]
    for route in router.routes:
        if ipam.parse_ip(route["nexthop"]) in ipam.parse_cidr(sub.cidr):
            raise errors.Conflict(f"Router interface for subnet {sub.id} on router "
                                  f"{router.id} cannot be deleted, as it is required by "
                                  "one or more routes.", kind="RouterInterfaceInUseByRoute")
    info = _interface_info(router, port, sub)
    s.execute(RouterPort.__table__.delete().where(RouterPort.port_id == port.id))
    s.execute(IPAllocation.__table__.delete().where(IPAllocation.port_id == port.id))
    s.delete(port)
    s.flush()
    router.revision_number += 1
    sync(s, router)
    # Its copy may be made yet never attached (a setup that failed half way): removed too.
    networking.remove_bottoms(s, "port", [port.id])
    return info
