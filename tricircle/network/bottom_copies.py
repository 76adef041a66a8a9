"""A top network's copy in a pod: its network, subnets and ports, made lazily (when a server
boots there or a subnet joins a router) with the service account in the project's name.
Addresses and MACs are the top's: the pod's IPAM only records what the top allocated."""
from __future__ import annotations

from sqlalchemy import select

from tricircle.core import bottom, clients, db
from tricircle.core.context import RequestContext
from tricircle.core.db.models import (
    IPAllocation,
    Network,
    Pod,
    Port,
    SecurityGroup,
    Subnet,
)
from tricircle.network import security_groups as sg

RULE_KEYS = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max",
             "remote_ip_prefix", "remote_group_id")


def ensure_network(ctx: RequestContext | None, pod: Pod, net: Network) -> str:
    return bottom.ensure(ctx, pod, "network", net.id, project_id=net.project_id, admin=True,
                         body={"project_id": net.project_id,
                               "admin_state_up": net.admin_state_up})


def ensure_subnet(ctx: RequestContext | None, pod: Pod, sub: Subnet, b_net: str) -> str:
    return bottom.ensure(ctx, pod, "subnet", sub.id, project_id=sub.project_id, admin=True,
                         body={"project_id": sub.project_id, "network_id": b_net,
                               "ip_version": sub.ip_version, "cidr": sub.cidr,
                               "gateway_ip": sub.gateway_ip, "enable_dhcp": sub.enable_dhcp,
                               "allocation_pools": sub.allocation_pools,
                               "host_routes": sub.host_routes,
                               "dns_nameservers": sub.dns_nameservers})


def ensure_port(ctx: RequestContext | None, pod: Pod, port: Port) -> str:
    """The port's copy in the pod (with its network and the subnets of its addresses):
    the same IPs and MAC. Returns the bottom port id."""
    with db.transaction() as s:
        net = s.get_one(Network, port.network_id)
        allocs = list(s.execute(select(IPAllocation, Subnet)
                                .join(Subnet, Subnet.id == IPAllocation.subnet_id)
                                .where(IPAllocation.port_id == port.id)
                                .order_by(IPAllocation.id)))
    b_net = ensure_network(ctx, pod, net)
    fixed = [{"subnet_id": ensure_subnet(ctx, pod, sub, b_net), "ip_address": a.ip_address}
             for a, sub in allocs]
    return bottom.ensure(ctx, pod, "port", port.id, project_id=port.project_id, admin=True,
                         body={"project_id": port.project_id, "network_id": b_net,
                               "mac_address": port.mac_address, "fixed_ips": fixed,
                               "admin_state_up": port.admin_state_up,
                               "security_groups": ensure_groups(ctx, pod, port.id)})


def ensure_groups(ctx: RequestContext | None, pod: Pod, port_id: str) -> list[str]:
    """The copies in the pod of a port's security groups, with their rules; their ids."""
    with db.transaction() as s:
        groups = [(g, sg.bottom_rules(s, g)) for g in s.scalars(
            select(SecurityGroup).where(SecurityGroup.id.in_(sg.port_groups(s, port_id))))]
    return [ensure_group(ctx, pod, group, rules) for group, rules in groups]


def ensure_group(ctx: RequestContext | None, pod: Pod, group: SecurityGroup,
                 rules: list[dict]) -> str:
    """A group's copy, its rules made to be exactly `rules`."""
    b_group = bottom.ensure(ctx, pod, "security_group", group.id, project_id=group.project_id,
                            admin=True, body={"project_id": group.project_id,
                                              "description": group.description})
    pc = clients.get()
    have = pc.request(ctx, pod.pod_name, "network", "GET", "/v2.0/security-group-rules",
                      params={"security_group_id": b_group}, admin=True
                      ).json()["security_group_rules"]
    want = {tuple(r[k] for k in RULE_KEYS) for r in rules}
    for rule in have:
        if tuple(rule[k] for k in RULE_KEYS) not in want:
            pc.request(ctx, pod.pod_name, "network", "DELETE",
                       f"/v2.0/security-group-rules/{rule['id']}", admin=True, expect=(404,))
    present = {tuple(r[k] for k in RULE_KEYS) for r in have}
    for rule in rules:
        if tuple(rule[k] for k in RULE_KEYS) not in present:
            pc.request(ctx, pod.pod_name, "network", "POST", "/v2.0/security-group-rules",
                       admin=True, expect=(409,), json={"security_group_rule": {
                           **rule, "security_group_id": b_group,
                           "project_id": group.project_id}})
    return b_group
