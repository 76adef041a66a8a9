"""A top network's copy in a pod: its network, subnets and ports, made lazily (when a server
boots there or a subnet joins a router) with the service account in the project's name.
Addresses and MACs are the top's: the pod's IPAM only records what the top allocated.

A copy carries the attributes `followed` names, at creation and whenever the top changes
them (the sync_copy job): everything Neutron lets an owner change, except the name,
which is the top id (how Tricircle finds its copy after a crash)."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from tricircle.core import bottom, clients, db, errors
from tricircle.core.context import RequestContext
from tricircle.core.db.models import (
    IPAllocation,
    Network,
    Pod,
    Port,
    Router,
    Routing,
    SecurityGroup,
    Subnet,
)
from tricircle.network import security_groups as sg

RULE_KEYS = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max",
             "remote_ip_prefix", "remote_group_id")


def rule_key(rule: dict) -> tuple:
    """What makes a rule the same rule, top or bottom."""
    return tuple(rule[k] for k in RULE_KEYS)


def followed(obj: Network | Subnet | Port | Router | SecurityGroup) -> dict[str, Any]:
    """The attributes of a top object that its copies carry and follow."""
    out: dict[str, Any] = {"description": obj.description}
    if isinstance(obj, Network):
        out.update(admin_state_up=obj.admin_state_up, shared=obj.shared, mtu=obj.mtu)
    elif isinstance(obj, Subnet):
        out.update(gateway_ip=obj.gateway_ip, enable_dhcp=obj.enable_dhcp,
                   allocation_pools=obj.allocation_pools, host_routes=obj.host_routes,
                   dns_nameservers=obj.dns_nameservers)
    elif isinstance(obj, Port):
        out.update(admin_state_up=obj.admin_state_up,
                   allowed_address_pairs=obj.allowed_address_pairs,
                   extra_dhcp_opts=obj.extra_dhcp_opts)
    elif isinstance(obj, Router):
        out.update(admin_state_up=obj.admin_state_up)
    return out


# Lists whose order Neutron does not keep (DNS servers' order matters: it is kept).
_UNORDERED = {"allocation_pools", "host_routes", "security_groups", "allowed_address_pairs",
              "extra_dhcp_opts"}


def _same(key: str, a: Any, b: Any) -> bool:
    if key in _UNORDERED and isinstance(a, list) and isinstance(b, list):
        def canonical(items: list) -> list[str]:
            return sorted(json.dumps(i, sort_keys=True) for i in items)
        return canonical(a) == canonical(b)
    return a == b


def differences(want: dict[str, Any], have: dict[str, Any]) -> dict[str, Any]:
    """The attributes of `want` a copy (`have`, as the pod shows it) lacks, as an update
    writes them."""
    diff = {k: v for k, v in want.items() if not _same(k, have.get(k), v)}
    if "extra_dhcp_opts" in diff:  # Neutron merges these: an option goes with a null
        wanted = {(o["opt_name"], o["ip_version"]) for o in diff["extra_dhcp_opts"]}
        diff["extra_dhcp_opts"] = diff["extra_dhcp_opts"] + [
            {"opt_name": o["opt_name"], "ip_version": o["ip_version"], "opt_value": None}
            for o in have.get("extra_dhcp_opts") or []
            if (o["opt_name"], o["ip_version"]) not in wanted]
    return diff


def follow(ctx: RequestContext | None, pod: Pod, resource_type: str, bottom_id: str,
           want: dict[str, Any], *, have: dict[str, Any] | None = None) -> bool | None:
    """Write to a copy the attributes of `want` it lacks, in one update: whether it had to.
    `have`: the copy as just listed, if known. None if the copy is gone."""
    if have is None:
        # A just-started Neutron was even seen to list nothing for a moment: callers
        # retry rather than take a copy for gone.
        have = bottom.listed(ctx, pod, resource_type, bottom_id, admin=True)
        if have is None:
            return None
    diff = differences(want, have)
    if diff:
        a = bottom.api(resource_type)
        clients.get().request(ctx, pod.pod_name, a.service_type, "PUT",
                              f"{a.path}/{bottom_id}", admin=True, json={a.key: diff})
    return bool(diff)


MODELS: dict[str, type] = {"network": Network, "subnet": Subnet, "port": Port,
                           "router": Router, "security_group": SecurityGroup}


def follow_copies(ctx: RequestContext, rtype: str, top_id: str) -> None:
    """Level-triggered: every copy of a top object gets the top's current attributes
    where they differ (the sync_copy job; or at once, where an answer must show it)."""
    with db.transaction() as s:
        obj = s.get(MODELS[rtype], top_id)
        if obj is None:
            return  # deleted: delete_bottom removes its copies
        want = followed(obj)
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
            wanted["security_groups"] = ensure_groups(ctx, pod, top_id)
        if follow(ctx, pod, rtype, bottom_id, wanted) is None:
            # Retried, not trusted: a Neutron that has just started was seen to list
            # nothing for a while. A copy really gone is the reconciler's to remake.
            raise errors.Conflict(f"The copy of {rtype} {top_id} is not listed in "
                                  f"{pod.pod_name}.")

    clients.raise_first(clients.get().fanout(copies, one))


def ensure_network(ctx: RequestContext | None, pod: Pod, net: Network) -> str:
    return bottom.ensure(ctx, pod, "network", net.id, project_id=net.project_id, admin=True,
                         body={"project_id": net.project_id, **followed(net)})


def ensure_subnet(ctx: RequestContext | None, pod: Pod, sub: Subnet, b_net: str) -> str:
    return bottom.ensure(ctx, pod, "subnet", sub.id, project_id=sub.project_id, admin=True,
                         body={"project_id": sub.project_id, "network_id": b_net,
                               "ip_version": sub.ip_version, "cidr": sub.cidr,
                               **followed(sub)})


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
    return bottom.ensure_port(ctx, pod, "port", port.id, project_id=port.project_id,
                              legit=_still_holds,
                              body={"project_id": port.project_id, "network_id": b_net,
                                    "mac_address": port.mac_address, "fixed_ips": fixed,
                                    "security_groups": ensure_groups(ctx, pod, port.id),
                                    **followed(port)})


def _still_holds(copy: dict) -> bool:
    """Does the top port a copy stands for still have its MAC or one of its addresses?"""
    with db.transaction() as s:
        port = s.get(Port, copy["name"])
        if port is None:
            return False
        ips = set(s.scalars(select(IPAllocation.ip_address)
                            .where(IPAllocation.port_id == port.id)))
    return port.mac_address == copy["mac_address"] or bool(
        ips & {f["ip_address"] for f in copy["fixed_ips"]})


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
                                              **followed(group)})
    sync_rules(ctx, pod, group.project_id, b_group, rules)
    return b_group


def _add_rule(ctx: RequestContext | None, pod: Pod, project_id: str, b_group: str,
              rule: dict) -> None:
    """One rule in a group's copy (409: the pod has it: Neutron's SecurityGroupRuleExists;
    its quota's 409 is raised)."""
    resp = clients.get().request(ctx, pod.pod_name, "network", "POST",
                                 "/v2.0/security-group-rules", admin=True, expect=(409,),
                                 json={"security_group_rule": {
                                     **rule, "security_group_id": b_group,
                                     "project_id": project_id}})
    if resp.status_code == 409 and bottom.over_quota(clients.pod_message(resp)):
        raise errors.Conflict(clients.pod_message(resp))


def sync_rules(ctx: RequestContext | None, pod: Pod, project_id: str, b_group: str,
               rules: list[dict]) -> int:
    """Make the rules of a group's copy exactly `rules`: how many it had to change."""
    pc = clients.get()
    changed = 0
    have = pc.request(ctx, pod.pod_name, "network", "GET", "/v2.0/security-group-rules",
                      params={"security_group_id": b_group}, admin=True
                      ).json()["security_group_rules"]
    want = {rule_key(r) for r in rules}
    for rule in have:
        if rule_key(rule) not in want:
            pc.request(ctx, pod.pod_name, "network", "DELETE",
                       f"/v2.0/security-group-rules/{rule['id']}", admin=True, expect=(404,))
            changed += 1
    present = {rule_key(r) for r in have}
    for rule in rules:
        if rule_key(rule) not in present:
            bottom.within_quotas(ctx, pod, project_id, lambda rule=rule: _add_rule(
                ctx, pod, project_id, b_group, rule))
            changed += 1
    return changed
