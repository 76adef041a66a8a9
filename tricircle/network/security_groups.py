"""Security groups at the top (Neutron's rules and messages), and their copies in pods.

Each project has a `default` group, made on first use with Neutron's four rules (all
egress; ingress from members of the group). Ports get the project's default group unless
they name others. In a pod, a group is copied (named with its top id) when a port using
it is made there; a rule whose remote is a group becomes one rule per CIDR of the
project's subnets, since the group's members may live in other pods.
"""
from __future__ import annotations

import ipaddress

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tricircle.core import db, errors, integers, jobs
from tricircle.core.context import RequestContext
from tricircle.core.db.models import (
    Port,
    PortSecurityGroup,
    Routing,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    new_id,
    utcnow,
)
from tricircle.network import ipam
from tricircle.network import networks as networking

PROTOCOLS = {"ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "icmp": 1,
             "icmpv6": 58, "ipv6-icmp": 58, "igmp": 2, "ospf": 89, "pgm": 113,
             "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112}
PORTED = {"tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33", "136"}
ICMP = {"icmp", "icmpv6", "ipv6-icmp", "1", "58"}


def _bad(message: str, kind: str = "InvalidInput") -> errors.BadRequest:
    return errors.BadRequest(message, kind=kind)


def _default_exists() -> errors.Conflict:
    """Neutron's answer to a group named "default" beside the project's own."""
    return errors.Conflict("Default security group already exists.",
                           kind="SecurityGroupDefaultAlreadyExists")


def rule_dict(rule: SecurityGroupRule, default: bool = False) -> dict:
    return {"id": rule.id, "tenant_id": rule.project_id, "project_id": rule.project_id,
            "security_group_id": rule.security_group_id, "direction": rule.direction,
            "ethertype": rule.ethertype, "protocol": rule.protocol,
            "port_range_min": rule.port_range_min, "port_range_max": rule.port_range_max,
            "remote_ip_prefix": rule.remote_ip_prefix,
            "normalized_cidr": rule.remote_ip_prefix,
            "remote_group_id": rule.remote_group_id, "remote_address_group_id": None,
            "description": rule.description, "belongs_to_default_sg": default,
            "tags": [], "revision_number": 0,
            "created_at": networking.iso(rule.created_at),
            "updated_at": networking.iso(rule.created_at)}


def group_dict(s: Session, group: SecurityGroup) -> dict:
    rules = s.scalars(select(SecurityGroupRule).where(
        SecurityGroupRule.security_group_id == group.id).order_by(SecurityGroupRule.created_at,
                                                                   SecurityGroupRule.id))
    is_default = group.default_for is not None
    return {"id": group.id, "name": group.name, "description": group.description,
            "tenant_id": group.project_id, "project_id": group.project_id,
            "stateful": True, "shared": False, "tags": [],
            "security_group_rules": [rule_dict(r, is_default) for r in rules],
            "revision_number": group.revision_number,
            "created_at": networking.iso(group.created_at),
            "updated_at": networking.iso(group.updated_at)}


def default_group(s: Session, project_id: str) -> SecurityGroup:
    """The project's default group, made (race-free) on first use."""
    found = s.scalar(select(SecurityGroup).where(SecurityGroup.default_for == project_id))
    if found is not None:
        return found
    group_id = new_id()
    if db.insert_ignore(s, SecurityGroup, {
            "id": group_id, "project_id": project_id, "name": "default",
            "description": "Default security group", "default_for": project_id,
            "revision_number": 1, "created_at": utcnow(), "updated_at": utcnow()}):
        for direction, ethertype in (("egress", "IPv4"), ("egress", "IPv6"),
                                     ("ingress", "IPv4"), ("ingress", "IPv6")):
            s.add(SecurityGroupRule(
                security_group_id=group_id, project_id=project_id, direction=direction,
                ethertype=ethertype,
                remote_group_id=group_id if direction == "ingress" else None))
        s.flush()
    return s.scalar(select(SecurityGroup).where(SecurityGroup.default_for == project_id))


def get_group(s: Session, ctx: RequestContext, group_id: str) -> SecurityGroup:
    return networking.found(
        s, ctx, SecurityGroup, group_id, action="get_security_group",
        missing=errors.NotFound(f"Security group {group_id} does not exist",
                                kind="SecurityGroupNotFound"))


def create_group(s: Session, ctx: RequestContext, values: dict) -> SecurityGroup:
    project = networking.project_for(ctx, values, "create_security_group")
    if values["name"].lower() == "default":
        raise _default_exists()
    default_group(s, project)
    group = SecurityGroup(project_id=project, name=values["name"],
                          description=values["description"])
    s.add(group)
    s.flush()
    for ethertype in ("IPv4", "IPv6"):  # Neutron gives a new group its egress rules
        s.add(SecurityGroupRule(security_group_id=group.id, project_id=project,
                                direction="egress", ethertype=ethertype))
    s.flush()
    return group


def update_group(s: Session, ctx: RequestContext, group: SecurityGroup, values: dict) -> None:
    if group.default_for is not None and values.get("name", "default") != "default":
        raise errors.Conflict("Updating default security group not allowed.",
                              kind="SecurityGroupCannotUpdateDefault")
    if str(values.get("name")).lower() == "default" and group.default_for is None:
        raise _default_exists()
    networking.update(s, ctx, group, values)


def delete_group(s: Session, ctx: RequestContext, group: SecurityGroup) -> None:
    networking.owned(ctx, "delete_security_group", group.project_id)
    if group.default_for is not None and not ctx.is_admin:
        raise errors.Conflict("Insufficient rights for removing default security group.",
                              kind="SecurityGroupCannotRemoveDefault")
    in_use = s.scalar(select(func.count()).select_from(PortSecurityGroup).where(
        PortSecurityGroup.security_group_id == group.id))
    if in_use:
        raise errors.Conflict(f"Security Group {group.id} in use.",
                              kind="SecurityGroupInUse")
    s.execute(delete(SecurityGroupRule).where(SecurityGroupRule.security_group_id == group.id))
    s.delete(group)
    networking.remove_bottoms(s, "security_group", [group.id])


# -- rules --------------------------------------------------------------------------------

def get_rule(s: Session, ctx: RequestContext, rule_id: str) -> SecurityGroupRule:
    return networking.found(
        s, ctx, SecurityGroupRule, rule_id, action="get_security_group_rule",
        missing=errors.NotFound(f"Security group rule {rule_id} does not exist",
                                kind="SecurityGroupRuleNotFound"))


def _protocol(value: str | int | None) -> str | None:
    if value is None or (isinstance(value, str) and value.lower() == "any"):
        return None
    text = str(value).lower()
    if text in PROTOCOLS or integers.digits(text, 255) is not None:
        return text
    raise _bad(f"Security group rule protocol {value} not supported. Only protocol values "
               f"{sorted(PROTOCOLS)} and integer representations [0 to 255] are supported.",
               "SecurityGroupRuleInvalidProtocol")


def _ports(protocol: str | None, low: int | None, high: int | None) -> None:
    if low is None and high is None:
        return
    if protocol is None:
        raise _bad("Must also specify protocol if port range is given.",
                   "SecurityGroupProtocolRequiredWithPorts")
    if protocol in PORTED:
        if low == 0 or high == 0:
            raise _bad("Invalid value for port 0", "SecurityGroupInvalidPortValue")
        if low is None or high is None or low > high:
            raise _bad("For TCP/UDP protocols, port_range_min must be <= port_range_max",
                       "SecurityGroupInvalidPortRange")
    elif protocol in ICMP:
        for field, value in (("type", low), ("code", high)):
            if value is not None and not 0 <= value <= 255:
                raise _bad(f"Invalid value for ICMP {field} (port-range-"
                           f"{'min' if field == 'type' else 'max'}) {value}. It must be "
                           "0 to 255.", "SecurityGroupInvalidIcmpValue")
        if low is None:
            raise _bad(f"ICMP code (port-range-max) {high} is provided but ICMP type "
                       "(port-range-min) is missing.", "SecurityGroupMissingIcmpType")
    else:
        raise _bad(f"Ports cannot be specified for protocol {protocol}. Only TCP, UDP, "
                   "SCTP, DCCP, UDPLite and ICMP protocols support port ranges.",
                   "SecurityGroupInvalidProtocolForPort")


def create_rule(s: Session, ctx: RequestContext, values: dict) -> SecurityGroupRule:
    group = get_group(s, ctx, values["security_group_id"])
    networking.owned(ctx, "create_security_group_rule", group.project_id,
                     **{"security_group:project_id": group.project_id})
    db.lock(s, SecurityGroup, group.id)  # the same rule twice at once: the second is a 409
    ethertype = {"ipv4": "IPv4", "ipv6": "IPv6"}.get(str(values["ethertype"]).lower())
    if ethertype is None:
        raise _bad(f"Invalid input for ethertype. Reason: {values['ethertype']} is not in "
                   "['IPv4', 'IPv6'].", "HTTPBadRequest")
    protocol = _protocol(values["protocol"])
    _ports(protocol, values["port_range_min"], values["port_range_max"])
    prefix, remote = values["remote_ip_prefix"], values["remote_group_id"]
    if prefix and remote:
        raise _bad("Only one of remote_ip_prefix or remote_group_id or "
                   "remote_address_group_id may be provided.",
                   "SecurityGroupMultipleRemoteEntites")
    if prefix:
        cidr = ipam.parse_cidr(prefix)
        if f"IPv{cidr.version}" != ethertype:
            raise _bad(f"Conflicting value ethertype {ethertype} for CIDR {prefix}",
                       "SecurityGroupRuleParameterConflict")
        prefix = str(cidr)
    if remote:
        get_group(s, ctx, remote)
    rule = SecurityGroupRule(
        security_group_id=group.id, project_id=group.project_id,
        direction=values["direction"], ethertype=ethertype, protocol=protocol,
        port_range_min=values["port_range_min"], port_range_max=values["port_range_max"],
        remote_ip_prefix=prefix, remote_group_id=remote,
        description=values["description"])
    for other in s.scalars(select(SecurityGroupRule).where(
            SecurityGroupRule.security_group_id == group.id)):
        if _key(other) == _key(rule):
            raise errors.Conflict(f"Security group rule already exists. Rule id is "
                                  f"{other.id}.", kind="SecurityGroupRuleExists")
    s.add(rule)
    group.revision_number += 1
    s.flush()
    resync_groups(s, [group.id])
    return rule


def _key(rule: SecurityGroupRule) -> tuple:
    """What makes two rules the same for Neutron: any address is no prefix, a protocol
    by name is the same as by number."""
    prefix = None if rule.remote_ip_prefix in ("0.0.0.0/0", "::/0") \
        else rule.remote_ip_prefix
    protocol = str(PROTOCOLS.get(rule.protocol, rule.protocol)) if rule.protocol else None
    return (rule.direction, rule.ethertype, protocol, rule.port_range_min,
            rule.port_range_max, prefix, rule.remote_group_id)


def delete_rule(s: Session, ctx: RequestContext, rule: SecurityGroupRule) -> None:
    networking.owned(ctx, "delete_security_group_rule", rule.project_id,
                     **networking.parent_of(s, rule))
    s.delete(rule)
    s.get_one(SecurityGroup, rule.security_group_id).revision_number += 1
    resync_groups(s, [rule.security_group_id])


# -- ports --------------------------------------------------------------------------------

def port_groups(s: Session, port_id: str) -> list[str]:
    return list(s.scalars(select(PortSecurityGroup.security_group_id).where(
        PortSecurityGroup.port_id == port_id).order_by(PortSecurityGroup.security_group_id)))


def set_port_groups(s: Session, ctx: RequestContext, port: Port,
                    group_ids: list[str] | None) -> None:
    """A port's groups: those named (each visible to the caller), or the default."""
    if group_ids is None:
        group_ids = [default_group(s, port.project_id).id]
    for group_id in group_ids:
        get_group(s, ctx, group_id)
    s.execute(delete(PortSecurityGroup).where(PortSecurityGroup.port_id == port.id))
    for group_id in dict.fromkeys(group_ids):
        s.add(PortSecurityGroup(port_id=port.id, security_group_id=group_id))
    s.flush()


def by_names(s: Session, ctx: RequestContext, names: list[str]) -> list[str]:
    """Nova's `security_groups: [{"name": ...}]` (a name or an id) as top group ids."""
    out = []
    for name in names:
        if name == "default":
            out.append(default_group(s, ctx.project_id).id)
            continue
        found = list(s.scalars(select(SecurityGroup.id).where(
            (SecurityGroup.id == name) | (SecurityGroup.name == name),
            SecurityGroup.project_id == ctx.project_id)))
        if len(found) != 1:
            raise errors.BadRequest(f"Security group {name} not found." if not found else
                                    f"Multiple security groups named {name}: give its id.")
        out.append(found[0])
    return out


# -- in the pods --------------------------------------------------------------------------

def bottom_rules(s: Session, group: SecurityGroup) -> list[dict]:
    """The group's rules as a pod gets them: a rule whose remote is a group becomes one
    rule per CIDR of the project's subnets of that IP version (members may be in any
    pod, so the pod's own copy of the group would not hold them)."""
    cidrs = list(s.scalars(select(Subnet.cidr).where(Subnet.project_id == group.project_id)
                           .order_by(Subnet.cidr)))
    out = []
    for rule in s.scalars(select(SecurityGroupRule).where(
            SecurityGroupRule.security_group_id == group.id)):
        base = {"direction": rule.direction, "ethertype": rule.ethertype,
                "protocol": rule.protocol, "port_range_min": rule.port_range_min,
                "port_range_max": rule.port_range_max, "remote_ip_prefix": None,
                "remote_group_id": None}
        if rule.remote_group_id is None:
            out.append({**base, "remote_ip_prefix": rule.remote_ip_prefix})
            continue
        version = 4 if rule.ethertype == "IPv4" else 6
        out.extend({**base, "remote_ip_prefix": c} for c in cidrs
                   if ipaddress.ip_network(c).version == version)
    return out


def resync_groups(s: Session, group_ids: list[str]) -> None:
    """Queue the refresh of these groups' copies in the pods (their rules changed)."""
    copied = s.execute(select(Routing.top_id, Routing.project_id).where(
        Routing.resource_type == "security_group", Routing.top_id.in_(group_ids)).distinct())
    for group_id, project in copied:
        jobs.enqueue(s, "sync_security_group", {"group_id": group_id}, project)


def resync_project(s: Session, project_id: str) -> None:
    """The project's subnets changed: its groups' rules on remote groups change too."""
    resync_groups(s, list(s.scalars(select(SecurityGroupRule.security_group_id).where(
        SecurityGroupRule.project_id == project_id,
        SecurityGroupRule.remote_group_id.is_not(None)).distinct())))


def sync_ports(s: Session, port_ids: list[str]) -> None:
    """Queue the update of these ports' copies (their groups changed)."""
    for port_id in port_ids:
        networking.sync_copies(s, "port", port_id)
