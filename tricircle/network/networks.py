"""The top network state: networks (with AZ hints), subnets (IPAM at the top) and ports
(IPs and MACs allocated here). Neutron's rules and messages; no pod is called from here:
bottom copies are made when a server boots or a subnet joins a router."""
from __future__ import annotations

import datetime as dt
import ipaddress
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tricircle.core import db, errors, jobs, pods, policies
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext
from tricircle.core.db.models import (
    IPAllocation,
    Network,
    Port,
    PortSecurityGroup,
    Router,
    RouterPort,
    Routing,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from tricircle.network import ipam


def iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- visibility ---------------------------------------------------------------------------

def target(project_id: str, net: Network | None = None, **extra: object) -> dict:
    """What policy rules see of an object: its project and, if it lives on a network,
    that network's project and whether it is shared (Neutron's targets)."""
    out: dict = {"project_id": project_id, "tenant_id": project_id, **extra}
    if net is not None:
        out.update({"network:project_id": net.project_id, "network:tenant_id": net.project_id,
                    "network:shared": net.shared})
    return out


def visible(s: Session, ctx: RequestContext, action: str, obj: Any) -> bool:
    """May the caller see `obj` (`action`: get_<kind>)? If not, it does not exist for the
    caller. Shows and lists ask alike (api/network/handlers.py)."""
    return policies.allowed(ctx, action, target(obj.project_id, network_of(s, obj),
                                                **parent_of(s, obj)))


def network_of(s: Session, obj: object) -> Network | None:
    """The network an object lives on (itself for a network), for policy targets."""
    if isinstance(obj, Network):
        return obj
    if isinstance(obj, Subnet | Port):
        return s.get(Network, obj.network_id)
    return None


def parent_of(s: Session, obj: object) -> dict:
    """What a rule's target names of the object's parent: a security group rule's group
    project (Neutron's sg_owner)."""
    if isinstance(obj, SecurityGroupRule):
        group = s.get(SecurityGroup, obj.security_group_id)
        return {"security_group:project_id": group.project_id if group else None}
    return {}


def found(s: Session, ctx: RequestContext, model: type, obj_id: str, *, action: str,
          missing: errors.NotFound) -> Any:
    """Row `obj_id` of `model` if policy lets the caller see it (`action`: get_<kind>);
    else `missing`: what the caller may not see does not exist, as in Neutron."""
    obj = s.get(model, obj_id)
    if obj is None or not visible(s, ctx, action, obj):
        raise missing
    return obj


def get_network(s: Session, ctx: RequestContext, network_id: str) -> Network:
    return found(
        s, ctx, Network, network_id, action="get_network",
        missing=errors.NotFound(f"Network {network_id} could not be found.",
                                kind="NetworkNotFound"))


def get_subnet(s: Session, ctx: RequestContext, subnet_id: str) -> Subnet:
    return found(
        s, ctx, Subnet, subnet_id, action="get_subnet",
        missing=errors.NotFound(f"Subnet {subnet_id} could not be found.",
                                kind="SubnetNotFound"))


def get_port(s: Session, ctx: RequestContext, port_id: str) -> Port:
    return found(
        s, ctx, Port, port_id, action="get_port",
        missing=errors.NotFound(f"Port {port_id} could not be found.",
                                kind="PortNotFound"))


def owned(ctx: RequestContext, action: str, project_id: str, net: Network | None = None,
          **extra: object) -> None:
    """May the caller do `action` to it? Policy says (tricircle/core/policies/network.py);
    Neutron's 403 if not."""
    if not policies.allowed(ctx, action, target(project_id, net, **extra)):
        raise errors.Forbidden(f"Policy doesn't allow {action} to be performed.",
                               kind="PolicyNotAuthorized")


def remove_bottoms(s: Session, resource_type: str, top_ids: list[str]) -> None:
    """Queue the removal of the pods' copies of top objects being deleted."""
    for row in s.scalars(select(Routing).where(Routing.resource_type == resource_type,
                                               Routing.top_id.in_(top_ids))):
        jobs.enqueue(s, "delete_bottom", {"pod_id": row.pod_id, "top_id": row.top_id,
                                          "resource_type": resource_type}, row.project_id)


# -- networks ---------------------------------------------------------------------------

def network_dicts(s: Session, nets: list[Network]) -> list[dict]:
    """network_dict of each, their subnets read in one query (a list's page)."""
    subnets: dict[str, list[str]] = {n.id: [] for n in nets}
    for net_id, sub_id in s.execute(select(Subnet.network_id, Subnet.id).where(
            Subnet.network_id.in_(list(subnets))).order_by(Subnet.created_at)):
        subnets[net_id].append(sub_id)
    return [network_dict(s, n, subnets[n.id]) for n in nets]


def network_dict(s: Session, net: Network, subnets: list[str] | None = None) -> dict:
    if subnets is None:
        subnets = list(s.scalars(select(Subnet.id).where(Subnet.network_id == net.id)
                                 .order_by(Subnet.created_at)))
    return {"id": net.id, "name": net.name, "description": net.description,
            "tenant_id": net.project_id, "project_id": net.project_id,
            "admin_state_up": net.admin_state_up, "shared": net.shared, "mtu": net.mtu,
            "status": "ACTIVE", "subnets": subnets, "availability_zone_hints": net.az_hints,
            "availability_zones": zones(net), "router:external": False,
            "port_security_enabled": True, "ipv4_address_scope": None,
            "ipv6_address_scope": None, "l2_adjacency": True, "tags": [],
            "revision_number": net.revision_number, "created_at": iso(net.created_at),
            "updated_at": iso(net.updated_at)}


def available_networks(s: Session, project_id: str) -> list[str]:
    """The networks Nova would boot a server of the project on when none is named: the
    project's own, else the shared ones (ids, oldest first)."""
    for query in (select(Network.id).where(Network.project_id == project_id,
                                           Network.shared.is_(False)),
                  select(Network.id).where(Network.shared.is_(True))):
        found = list(s.scalars(query.order_by(Network.created_at)))
        if found:
            return found
    return []


def zones(net: Network) -> list[str]:
    """The zones a network lives in: its hints, else `[network]
    default_availability_zones` (as Neutron schedules a hint-less network)."""
    return list(net.az_hints) or list(CONF.network.default_availability_zones[:1])


def check_az_hints(s: Session, hints: list[str]) -> None:
    known = set(pods.availability_zones(s))
    for hint in hints:
        if hint not in known:
            raise errors.NotFound(f"AvailabilityZone {hint} could not be found.",
                                  kind="AvailabilityZoneNotFound")


def check_mtu(mtu: int | None) -> None:
    """The pods' Neutron refuses an MTU its physical networks cannot carry: so does the top,
    rather than accept one no copy could have."""
    most = CONF.network.global_physnet_mtu
    if mtu is not None and mtu > most:
        raise errors.BadRequest(f"Invalid input for operation: Requested MTU is too big, "
                                f"maximum is {most}.", kind="InvalidInput")


def project_for(ctx: RequestContext, values: dict, what: str) -> str:
    """The project a new object belongs to: the caller's, or one an admin names."""
    project = values.pop("project_id", None) or values.pop("tenant_id", None) \
        or ctx.project_id
    values.pop("tenant_id", None)
    owned(ctx, what, project)  # create_<kind>: in another project, admins only
    return project


def create_network(s: Session, ctx: RequestContext, values: dict) -> Network:
    project = project_for(ctx, values, "create_network")
    if values.get("shared"):
        owned(ctx, "create_network:shared", project)
    check_az_hints(s, values.get("availability_zone_hints") or [])
    check_mtu(values.get("mtu"))
    net = Network(project_id=project, name=values["name"],
                  description=values["description"], admin_state_up=values["admin_state_up"],
                  shared=values["shared"], mtu=values["mtu"] or 1500,
                  az_hints=values["availability_zone_hints"])
    s.add(net)
    s.flush()
    return net


def update(s: Session, ctx: RequestContext,
           obj: Network | Subnet | Port | Router | SecurityGroup, values: dict) -> None:
    """Change an object's attributes (already checked), as its project or an admin."""
    what = "update_" + re.sub(r"(?<!^)([A-Z])", r"_\1", type(obj).__name__).lower()
    net = network_of(s, obj)
    owned(ctx, what, obj.project_id, net)
    for attr in ("shared", "device_owner", *BINDING):
        if attr in values and policies.has_rule(f"{what}:{attr}"):
            owned(ctx, f"{what}:{attr}", obj.project_id, net, network_device=str(
                values.get("device_owner", "")).startswith("network:"))
    if isinstance(obj, Port) and {"device_id", "device_owner"} & set(values):
        router_port = s.get(RouterPort, obj.id)
        if router_port is not None and (
                values.get("device_id", obj.device_id) != obj.device_id
                or values.get("device_owner", obj.device_owner) != obj.device_owner):
            raise errors.Conflict(
                f"Unable to complete operation on port {obj.id} for network "
                f"{obj.network_id}. Port already has an attached device "
                f"{router_port.router_id}.", kind="PortInUse")
    if isinstance(obj, Port):
        for attr, column in BINDING.items():
            if attr in values:
                values[column] = values.pop(attr)
        if "fixed_ips" in values:
            _readdress(s, ctx, obj, net, values.pop("fixed_ips"))
        if "allowed_address_pairs" in values:
            values["allowed_address_pairs"] = address_pairs(obj.mac_address,
                                                            values["allowed_address_pairs"])
        if "extra_dhcp_opts" in values:
            values["extra_dhcp_opts"] = dhcp_options(obj.extra_dhcp_opts,
                                                     values["extra_dhcp_opts"])
    if isinstance(obj, Network):
        check_mtu(values.get("mtu"))
        if obj.shared and values.get("shared") is False and s.scalar(
                select(Port.id).where(Port.network_id == obj.id,
                                      Port.project_id != obj.project_id).limit(1)):
            raise errors.Conflict(f"Unable to reconfigure sharing settings for network "
                                  f"{obj.id}. Multiple tenants are using it.",
                                  kind="InvalidSharedSetting")
    for key, value in values.items():
        setattr(obj, key, value)
    obj.revision_number += 1
    s.flush()
    sync_copies(s, re.sub(r"^update_", "", what), obj.id)


def sync_copies(s: Session, resource_type: str, top_id: str) -> None:
    """Queue the job that brings an object's copies in the pods in line (if it has any)."""
    project = s.scalar(select(Routing.project_id).where(
        Routing.top_id == top_id, Routing.resource_type == resource_type).limit(1))
    if project is not None:
        jobs.enqueue(s, "sync_copy", {"resource_type": resource_type, "top_id": top_id},
                     project)


def delete_network(s: Session, ctx: RequestContext, net: Network) -> None:
    owned(ctx, "delete_network", net.project_id, net)
    in_use = s.scalar(select(func.count()).select_from(Port)
                      .where(Port.network_id == net.id))
    if in_use:
        raise errors.Conflict(f"Unable to complete operation on network {net.id}. There are "
                              "one or more ports still in use on the network.",
                              kind="NetworkInUse")
    # Subnets first: with no relationships declared, the unit of work cannot order them.
    s.execute(Subnet.__table__.delete().where(Subnet.network_id == net.id))
    s.delete(net)
    remove_bottoms(s, "network", [net.id])  # its subnets go with it


# -- subnets ----------------------------------------------------------------------------

def subnet_dict(sub: Subnet) -> dict:
    return {"id": sub.id, "name": sub.name, "description": sub.description,
            "tenant_id": sub.project_id, "project_id": sub.project_id,
            "network_id": sub.network_id, "ip_version": sub.ip_version, "cidr": sub.cidr,
            "gateway_ip": sub.gateway_ip, "enable_dhcp": sub.enable_dhcp,
            "allocation_pools": sub.allocation_pools, "host_routes": sub.host_routes,
            "dns_nameservers": sub.dns_nameservers, "ipv6_ra_mode": None,
            "ipv6_address_mode": None, "subnetpool_id": None, "service_types": [],
            "tags": [], "revision_number": sub.revision_number,
            "created_at": iso(sub.created_at), "updated_at": iso(sub.updated_at)}


def create_subnet(s: Session, ctx: RequestContext, values: dict) -> Subnet:
    net = get_network(s, ctx, values["network_id"])
    owned(ctx, "create_subnet", net.project_id, net)
    db.lock(s, Network, net.id)  # two overlapping subnets at once: the second waits, fails
    cidr = ipam.parse_cidr(values["cidr"])
    if cidr.version != values["ip_version"]:
        raise errors.BadRequest(f"Invalid input for operation: Cidr {cidr} does not match "
                                f"IP version {values['ip_version']}.", kind="InvalidInput")
    for other in s.scalars(select(Subnet).where(Subnet.network_id == net.id)):
        if ipam.overlaps(cidr, ipam.parse_cidr(other.cidr)):
            raise errors.BadRequest(f"Invalid input for operation: Requested subnet with "
                                    f"cidr: {cidr} for network: {net.id} overlaps with "
                                    "another subnet.", kind="InvalidInput")
    if "gateway_ip" in values and values["gateway_ip"] is None:
        gateway = None
    elif values.get("gateway_ip"):
        gateway = ipam.parse_ip(values["gateway_ip"], "gateway_ip")
    else:
        gateway = ipam.default_gateway(cidr)
    pools = ipam.pools_for(cidr, gateway, values.get("allocation_pools"))
    sub = Subnet(network_id=net.id, project_id=net.project_id, name=values["name"],
                 description=values["description"], ip_version=cidr.version, cidr=str(cidr),
                 gateway_ip=str(gateway) if gateway else None,
                 enable_dhcp=values["enable_dhcp"],
                 allocation_pools=[p.as_dict() for p in pools],
                 host_routes=values["host_routes"] or [],
                 dns_nameservers=values["dns_nameservers"] or [])
    s.add(sub)
    s.flush()
    return sub


def update_subnet(s: Session, ctx: RequestContext, sub: Subnet, values: dict) -> None:
    """Neutron's rules for a new gateway or pools: the gateway stays out of the pools, and
    one a router interface holds cannot move."""
    owned(ctx, "update_subnet", sub.project_id, s.get(Network, sub.network_id))
    if "gateway_ip" in values or "allocation_pools" in values:
        gateway = sub.gateway_ip
        if "gateway_ip" in values:
            new = values["gateway_ip"] and ipam.parse_ip(values["gateway_ip"], "gateway_ip")
            gateway = str(new) if new else None
            held = sub.gateway_ip and gateway != sub.gateway_ip and s.scalar(
                select(IPAllocation.port_id)
                .join(RouterPort, RouterPort.port_id == IPAllocation.port_id)
                .where(IPAllocation.subnet_id == sub.id,
                       IPAllocation.ip_address == sub.gateway_ip))
            if held:
                raise errors.Conflict(f"Current gateway ip {sub.gateway_ip} already in use "
                                      f"by port {held}. Unable to update.",
                                      kind="GatewayIpInUse")
            values["gateway_ip"] = gateway
        pools = ipam.pools_for(ipam.parse_cidr(sub.cidr),
                               ipaddress.ip_address(gateway) if gateway else None,
                               values.get("allocation_pools") or sub.allocation_pools)
        values["allocation_pools"] = [p.as_dict() for p in pools]
    update(s, ctx, sub, values)


def delete_subnet(s: Session, ctx: RequestContext, sub: Subnet) -> None:
    owned(ctx, "delete_subnet", sub.project_id, s.get(Network, sub.network_id))
    if s.scalar(select(func.count()).select_from(IPAllocation)
                .where(IPAllocation.subnet_id == sub.id)):
        raise errors.Conflict(f"Unable to complete operation on subnet {sub.id}: One or "
                              "more ports have an IP allocation from this subnet.",
                              kind="SubnetInUse")
    s.delete(sub)
    remove_bottoms(s, "subnet", [sub.id])


# -- ports ------------------------------------------------------------------------------

def port_dicts(s: Session, ports: list[Port]) -> list[dict]:
    """port_dict of each, their addresses and groups read in one query each."""
    ips: dict[str, list[dict]] = {p.id: [] for p in ports}
    groups: dict[str, list[str]] = {p.id: [] for p in ports}
    for a in s.scalars(select(IPAllocation).where(IPAllocation.port_id.in_(list(ips)))
                       .order_by(IPAllocation.id)):
        ips[a.port_id].append({"subnet_id": a.subnet_id, "ip_address": a.ip_address})
    for port_id, group in s.execute(
            select(PortSecurityGroup.port_id, PortSecurityGroup.security_group_id)
            .where(PortSecurityGroup.port_id.in_(list(ips)))
            .order_by(PortSecurityGroup.security_group_id)):
        groups[port_id].append(group)
    return [port_dict(s, p, ips[p.id], groups[p.id]) for p in ports]


def port_dict(s: Session, port: Port, ips: list[dict] | None = None,
              groups: list[str] | None = None) -> dict:
    if ips is None:
        ips = [{"subnet_id": a.subnet_id, "ip_address": a.ip_address} for a in s.scalars(
            select(IPAllocation).where(IPAllocation.port_id == port.id)
            .order_by(IPAllocation.id))]
    if groups is None:
        groups = list(s.scalars(select(PortSecurityGroup.security_group_id)
                                .where(PortSecurityGroup.port_id == port.id)
                                .order_by(PortSecurityGroup.security_group_id)))
    return {"id": port.id, "name": port.name, "description": port.description,
            "tenant_id": port.project_id, "project_id": port.project_id,
            "network_id": port.network_id, "mac_address": port.mac_address,
            "admin_state_up": port.admin_state_up,
            "status": "ACTIVE" if port.device_id else "DOWN", "device_id": port.device_id,
            "device_owner": port.device_owner, "fixed_ips": ips,
            "security_groups": groups,
            "allowed_address_pairs": port.allowed_address_pairs,
            "extra_dhcp_opts": port.extra_dhcp_opts,
            "binding:vnic_type": port.binding_vnic_type,
            "binding:host_id": port.binding_host_id, "binding:profile": port.binding_profile,
            # No agent of the top binds it: a copy is bound in its pod by its Nova.
            "binding:vif_type": "unbound", "binding:vif_details": {},
            "port_security_enabled": True, "tags": [],
            "revision_number": port.revision_number, "created_at": iso(port.created_at),
            "updated_at": iso(port.updated_at)}


def _allocations(s: Session, net: Network, fixed_ips: list[dict] | None) -> list[tuple]:
    subnets = list(s.scalars(select(Subnet).where(Subnet.network_id == net.id)
                             .order_by(Subnet.created_at)))
    by_id = {sub.id: sub for sub in subnets}
    wanted: list[tuple[Subnet, ipaddress.IPv4Address | ipaddress.IPv6Address | None]] = []
    if fixed_ips is None:  # one address of each IP version, from its first subnet
        seen = set()
        for sub in subnets:
            if sub.ip_version not in seen:
                seen.add(sub.ip_version)
                wanted.append((sub, None))
    else:
        for item in fixed_ips:
            sub = by_id.get(item.get("subnet_id")) if item.get("subnet_id") else None
            ip = ipam.parse_ip(item["ip_address"], "fixed_ips") \
                if item.get("ip_address") else None
            if sub is None and ip is not None:
                sub = next((x for x in subnets if ip in ipam.parse_cidr(x.cidr)), None)
            if sub is None:
                raise errors.BadRequest(f"Invalid input for operation: Failed to create port "
                                        f"on network {net.id}, because fixed_ips included "
                                        "invalid subnet.", kind="InvalidInput")
            if ip is not None and not ipam.usable(ipam.parse_cidr(sub.cidr), ip):
                raise errors.BadRequest(f"IP address {ip} is not a valid IP for the "
                                        "specified subnet.", kind="InvalidIpForSubnet")
            wanted.append((sub, ip))
    # One allocation at a time per subnet: a request that read the used addresses while
    # another took one would pick it too (two 409s in four concurrent boots). Held until
    # commit, taken in one order (no deadlock between requests on two subnets).
    for sub_id in sorted({sub.id for sub, _ in wanted}):
        db.lock(s, Subnet, sub_id)
    out = []
    for sub, ip in wanted:
        used = {ipaddress.ip_address(a) for a in s.scalars(
            select(IPAllocation.ip_address).where(IPAllocation.subnet_id == sub.id))}
        if sub.gateway_ip and ip is None:  # asked for by name, the gateway may be taken
            used.add(ipaddress.ip_address(sub.gateway_ip))  # (a router's interface)
        pools = [ipam.Pool(ipaddress.ip_address(p["start"]), ipaddress.ip_address(p["end"]))
                 for p in sub.allocation_pools]
        try:
            out.append((sub, ipam.allocate(pools, used, ip)))
        except errors.Conflict as err:
            kind = "IpAddressAlreadyAllocated" if ip else "IpAddressGenerationFailure"
            raise errors.Conflict(err.message, kind=kind) from None
    return out


def _readdress(s: Session, ctx: RequestContext, port: Port, net: Network,
               fixed_ips: list[dict]) -> None:
    """Neutron's update of a port's fixed_ips (`update` checked update_port): the list
    given replaces the port's; an address it names (or a subnet where the port has one)
    is kept, the rest allocated, what is left out released. Not for a port with a copy in
    a pod (its copy would have to move with it) or a router's interface: 409."""
    if any(item.get("ip_address") for item in fixed_ips):
        owned(ctx, "update_port:fixed_ips:ip_address", port.project_id, net)
    have = list(s.scalars(select(IPAllocation).where(IPAllocation.port_id == port.id)))
    keep, new = [], []
    for item in fixed_ips:
        same = next((a for a in have if a not in keep and (
            a.ip_address == item.get("ip_address") if item.get("ip_address")
            else a.subnet_id == item.get("subnet_id"))), None)
        if same is not None and (not item.get("subnet_id")
                                 or item["subnet_id"] == same.subnet_id):
            keep.append(same)
        else:
            new.append(item)
    if not new and len(keep) == len(have):
        return  # the addresses it has: nothing changes
    if s.get(RouterPort, port.id) is not None or s.scalar(
            select(Routing.id).where(Routing.top_id == port.id,
                                     Routing.resource_type == "port").limit(1)):
        raise errors.Conflict(f"Port {port.id} is in use (a router's interface, or a "
                              "server's in a pod): its fixed IPs cannot change.",
                              kind="PortInUse")
    for alloc in have:
        if alloc not in keep:
            s.delete(alloc)
    s.flush()
    _allocate(s, port, net, new)


def _allocate(s: Session, port: Port, net: Network, fixed_ips: list[dict] | None) -> None:
    """Give the port the addresses `fixed_ips` asks for (None: Neutron's default)."""
    for sub, ip in _allocations(s, net, fixed_ips):
        s.add(IPAllocation(port_id=port.id, subnet_id=sub.id, ip_address=str(ip)))
    try:
        s.flush()
    except IntegrityError as err:  # a concurrent request took the address first
        raise errors.Conflict("IP address already allocated; try again.",
                              kind="IpAddressAlreadyAllocated") from err


def address_pairs(mac: str, pairs: list[dict]) -> list[dict]:
    """Neutron's form: a pair without a MAC takes the port's."""
    return [{"ip_address": p["ip_address"], "mac_address": p.get("mac_address") or mac}
            for p in pairs]


def dhcp_options(have: list[dict], changes: list[dict]) -> list[dict]:
    """Neutron's update of extra_dhcp_opts: each named option (per IP version) is set,
    or removed with a null value; the others stay."""
    out = {(o["opt_name"], o["ip_version"]): o for o in have}
    for opt in changes:
        key = (opt["opt_name"], opt["ip_version"])
        if opt.get("opt_value") is None:
            out.pop(key, None)
        else:
            out[key] = {"opt_name": opt["opt_name"], "opt_value": opt["opt_value"],
                        "ip_version": opt["ip_version"]}
    return list(out.values())


# Neutron's binding extension: the API's names and the columns that keep them.
BINDING = {"binding:host_id": "binding_host_id", "binding:profile": "binding_profile",
           "binding:vnic_type": "binding_vnic_type"}


def create_port(s: Session, ctx: RequestContext, values: dict) -> Port:
    net = get_network(s, ctx, values["network_id"])
    project = ctx.project_id if not ctx.is_admin else \
        (values.get("project_id") or values.get("tenant_id") or ctx.project_id)
    owned(ctx, "create_port", project, net)
    # Neutron's guarded attributes: a network service's device_owner, a chosen MAC or IP.
    if str(values.get("device_owner") or "").startswith("network:"):
        owned(ctx, "create_port:device_owner", project, net, network_device=True)
    if values.get("mac_address"):
        owned(ctx, "create_port:mac_address", project, net)
    if any(isinstance(f, dict) and f.get("ip_address") for f in values.get("fixed_ips") or []):
        owned(ctx, "create_port:fixed_ips:ip_address", project, net)
    for attr in BINDING:
        if values.get(attr) and policies.has_rule(f"create_port:{attr}"):
            owned(ctx, f"create_port:{attr}", project, net)
    mac = ipam.valid_mac(values["mac_address"]) if values.get("mac_address") else None
    taken = set(s.scalars(select(Port.mac_address).where(Port.network_id == net.id)))
    if mac in taken:
        raise errors.Conflict(f"Unable to complete operation for network {net.id}. The mac "
                              f"address {mac} is in use.", kind="MacAddressInUse")
    while mac is None or mac in taken:
        mac = ipam.random_mac()
    port = Port(network_id=net.id, project_id=project,
                name=values["name"], description=values["description"], mac_address=mac,
                admin_state_up=values["admin_state_up"], device_id=values["device_id"],
                device_owner=values["device_owner"],
                allowed_address_pairs=address_pairs(
                    mac, values.get("allowed_address_pairs") or []),
                extra_dhcp_opts=[o for o in values.get("extra_dhcp_opts") or []
                                 if o.get("opt_value") is not None],
                **{column: values[attr] for attr, column in BINDING.items()
                   if values.get(attr) is not None})
    s.add(port)
    s.flush()
    _allocate(s, port, net, values.get("fixed_ips"))
    return port


def delete_port(s: Session, ctx: RequestContext, port: Port) -> None:
    owned(ctx, "delete_port", port.project_id, s.get(Network, port.network_id))
    if s.get(RouterPort, port.id) is not None:  # what the router API made, never a field
        raise errors.Conflict(f"Port {port.id} cannot be deleted directly via the port API: "
                              "has device owner network:router_interface.",
                              kind="ServicePortInUse")
    s.execute(IPAllocation.__table__.delete().where(IPAllocation.port_id == port.id))
    s.delete(port)
    remove_bottoms(s, "port", [port.id])
