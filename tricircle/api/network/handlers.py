"""Networks, subnets, ports and routers of the top (Neutron v2.0): parse, call the domain, shape."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import webob
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tricircle.api.network import paging as pages
from tricircle.api.network import schemas as a
from tricircle.api.wsgi import Request, json_response
from tricircle.core import db, errors, integers
from tricircle.core.db.models import (
    IPAllocation,
    Network,
    Port,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from tricircle.network import networks as networking
from tricircle.network import routers
from tricircle.network import security_groups as sg

NETWORK = {
    "name": a.Attr(a.string(), ""), "description": a.Attr(a.string(), ""),
    "admin_state_up": a.Attr(a.boolean, True), "shared": a.Attr(a.boolean, False),
    "mtu": a.Attr(a.integer(68, 9216), 1500),
    "availability_zone_hints": a.Attr(a.list_of(a.string()), list, put=False),
    "tenant_id": a.Attr(a.string(64), None, put=False),
    "project_id": a.Attr(a.string(64), None, put=False),
    # Security groups always apply: a network without port security cannot be honoured.
    "port_security_enabled": a.Attr(
        lambda name, value: a.one_of(True)(name, a.boolean(name, value)), True),
}
SUBNET = {
    "network_id": a.Attr(a.string(36), required=True, put=False),
    "ip_version": a.Attr(a.one_of(4, 6), required=True, put=False),
    "cidr": a.Attr(a.subnet, required=True, put=False),
    "gateway_ip": a.Attr(a.nullable(a.ip_address)),
    "name": a.Attr(a.string(), ""), "description": a.Attr(a.string(), ""),
    "enable_dhcp": a.Attr(a.boolean, True),
    "allocation_pools": a.Attr(a.ip_pools),
    "host_routes": a.Attr(a.host_routes, list),
    "dns_nameservers": a.Attr(a.nameservers, list),
    "tenant_id": a.Attr(a.string(64), None, put=False),
    "project_id": a.Attr(a.string(64), None, put=False),
}
PORT = {
    "network_id": a.Attr(a.string(36), required=True, put=False),
    "name": a.Attr(a.string(), ""), "description": a.Attr(a.string(), ""),
    "admin_state_up": a.Attr(a.boolean, True),
    "mac_address": a.Attr(a.mac_address, put=False),
    "fixed_ips": a.Attr(a.fixed_ips),
    "device_id": a.Attr(a.string(), ""), "device_owner": a.Attr(a.string(), ""),
    "security_groups": a.Attr(a.list_of(a.string(36))),
    "allowed_address_pairs": a.Attr(a.address_pairs, list),
    "extra_dhcp_opts": a.Attr(a.dhcp_options, list),
    "binding:host_id": a.Attr(a.string(), ""),
    "binding:profile": a.Attr(a.empty_dict_if_none, dict),
    "binding:vnic_type": a.Attr(a.one_of(*a.VNIC_TYPES), "normal"),
    "tenant_id": a.Attr(a.string(64), None, put=False),
    "project_id": a.Attr(a.string(64), None, put=False),
}
SECURITY_GROUP = {
    "name": a.Attr(a.string(), ""), "description": a.Attr(a.string(), ""),
    "stateful": a.Attr(a.one_of(True), True, put=False),
    "tenant_id": a.Attr(a.string(64), None, put=False),
    "project_id": a.Attr(a.string(64), None, put=False),
}
SECURITY_GROUP_RULE = {
    "security_group_id": a.Attr(a.string(36), required=True),
    "direction": a.Attr(a.one_of("ingress", "egress"), required=True),
    "ethertype": a.Attr(a.string(8), "IPv4"),
    "protocol": a.Attr(a.nullable(a.string_or_int), None),
    "port_range_min": a.Attr(a.port_number, None),
    "port_range_max": a.Attr(a.port_number, None),
    "remote_ip_prefix": a.Attr(a.nullable(a.subnet), None),
    "remote_group_id": a.Attr(a.nullable(a.string(36)), None),
    "description": a.Attr(a.string(), ""),
    "tenant_id": a.Attr(a.string(64), None),
    "project_id": a.Attr(a.string(64), None),
}
ROUTER = {
    "name": a.Attr(a.string(), ""), "description": a.Attr(a.string(), ""),
    "admin_state_up": a.Attr(a.boolean, True),
    "external_gateway_info": a.Attr(a.nullable(a.any_dict), None),
    "routes": a.Attr(a.empty_if_none(a.routes), list, post=False),
    "distributed": a.Attr(a.boolean, None),
    "availability_zone_hints": a.Attr(a.list_of(a.string()), list, put=False),
    "tenant_id": a.Attr(a.string(64), None, put=False),
    "project_id": a.Attr(a.string(64), None, put=False),
}
ROUTES = {"routes": a.Attr(a.routes, required=True)}

# Filters a list understands, per resource: query name -> column.
FILTERS = {
    Network: {"id": Network.id, "name": Network.name, "project_id": Network.project_id,
              "tenant_id": Network.project_id, "shared": Network.shared},
    Subnet: {"id": Subnet.id, "name": Subnet.name, "network_id": Subnet.network_id,
             "project_id": Subnet.project_id, "tenant_id": Subnet.project_id,
             "cidr": Subnet.cidr, "ip_version": Subnet.ip_version},
    Port: {"id": Port.id, "name": Port.name, "network_id": Port.network_id,
           "project_id": Port.project_id, "tenant_id": Port.project_id,
           "device_id": Port.device_id, "device_owner": Port.device_owner,
           "mac_address": Port.mac_address},
    Router: {"id": Router.id, "name": Router.name, "project_id": Router.project_id,
             "tenant_id": Router.project_id},
    SecurityGroup: {"id": SecurityGroup.id, "name": SecurityGroup.name,
                    "project_id": SecurityGroup.project_id,
                    "tenant_id": SecurityGroup.project_id},
    SecurityGroupRule: {"id": SecurityGroupRule.id,
                        "security_group_id": SecurityGroupRule.security_group_id,
                        "direction": SecurityGroupRule.direction,
                        "ethertype": SecurityGroupRule.ethertype,
                        "protocol": SecurityGroupRule.protocol,
                        "remote_group_id": SecurityGroupRule.remote_group_id,
                        "project_id": SecurityGroupRule.project_id,
                        "tenant_id": SecurityGroupRule.project_id},
}


# Sort keys beyond the filters (Neutron's is_sort_key attributes we keep).
SORTS = {model: {"admin_state_up": model.admin_state_up} for model in (Network, Port, Router)}
# A page's dicts with the related rows read once for the page, not once per row.
BULK = {Network: networking.network_dicts, Port: networking.port_dicts}
# How Neutron names each resource in its NotFound for a marker.
MARKED = {Network: "Network", Subnet: "Subnet", Port: "Port", Router: "Router",
          SecurityGroup: "Security Group", SecurityGroupRule: "Security Group Rule"}


def _fields(req: Request, item: dict) -> dict:
    wanted = req.GET.getall("fields")
    return {k: v for k, v in item.items() if k in wanted} if wanted else item


def _list(req: Request, model: Any, key: str, shape: Callable) -> dict:
    ctx = req.context
    paging = pages.of(req, {**FILTERS[model], **SORTS.get(model, {})}, model.id,
                      unpaged=(model.created_at, model.id))
    query = select(model)
    for name, column in FILTERS[model].items():
        values = req.GET.getall(name)
        if values:
            if column.type.python_type is bool:
                values = [v.lower() == "true" for v in values]
            elif column.type.python_type is int:  # Neutron's convert_to_int
                numbers = [integers.digits(v) for v in values]
                if None in numbers:
                    bad = values[numbers.index(None)]
                    raise errors.BadRequest(f"Invalid input for operation: '{bad[:50]}' "
                                            "is not an integer.", kind="InvalidInput")
                values = numbers
            query = query.where(column.in_(values))
    if model is Port and req.GET.getall("fixed_ips"):
        query = query.where(Port.id.in_(_with_addresses(req.GET.getall("fixed_ips"))))
    visible = [] if ctx.is_admin else [_may_see(model, ctx.project_id)]
    with db.transaction() as s:
        anchor = None
        if paging.marker is not None:
            anchor = s.scalar(select(model).where(model.id == paging.marker, *visible))
            if anchor is None or not _shown(s, ctx, model, [anchor]):  # Neutron's 404
                raise errors.NotFound(f"{MARKED[model]} {paging.marker} could not be found.",
                                      kind=f"{MARKED[model].replace(' ', '')}NotFound")
        rows = list(s.scalars(pages.apply(query.where(*visible), paging, anchor)))
        rows = _shown(s, ctx, model, rows)
        bulk = BULK.get(model)
        items = bulk(s, rows) if bulk else [shape(s, x) for x in rows]
    return pages.page(req, paging, [_fields(req, x) for x in items], key)


# Each list's items pass the rule that shows one (Neutron filters lists by get_<kind>).
GET_RULES = {Network: "get_network", Subnet: "get_subnet", Port: "get_port",
             Router: "get_router", SecurityGroup: "get_security_group",
             SecurityGroupRule: "get_security_group_rule"}


def _may_see(model: Any, project_id: str) -> Any:
    """The rows the default get_<kind> rules can let a project member see, as SQL: what
    the policy check then narrows (a stricter policy file hides more; the defaults never
    show another project's objects beyond these)."""
    mine = model.project_id == project_id
    owned_nets = select(Network.id).where(Network.project_id == project_id)
    if model is Network:
        return or_(mine, Network.shared.is_(True))
    if model is Subnet:  # of its own networks, or of shared ones
        return or_(mine, Subnet.network_id.in_(owned_nets.union(
            select(Network.id).where(Network.shared.is_(True)))))
    if model is Port:  # a network owner sees the ports on its networks
        return or_(mine, Port.network_id.in_(owned_nets))
    if model is SecurityGroupRule:  # a group's owner sees its rules
        return or_(mine, SecurityGroupRule.security_group_id.in_(
            select(SecurityGroup.id).where(SecurityGroup.project_id == project_id)))
    return mine


def _shown(s: Session, ctx: Any, model: Any, rows: list) -> list:
    """The rows policy lets the caller see, as a show of each would."""
    if model in (Subnet, Port) and rows:  # their networks in one query: then in the
        # session, where the targets' lookups find them
        list(s.scalars(select(Network).where(Network.id.in_({r.network_id for r in rows}))))
    return [r for r in rows if networking.visible(s, ctx, GET_RULES[model], r)]


def _with_addresses(wanted: list[str]) -> Any:
    """Neutron's `fixed_ips=ip_address=A&fixed_ips=subnet_id=S&fixed_ips=ip_address_substr=X`:
    ports with one address that is any of the A, on any of the S, containing any X."""
    by_key: dict[str, list[str]] = {}
    for item in wanted:
        key, _, value = item.partition("=")
        if key not in ("ip_address", "subnet_id", "ip_address_substr") or not value:
            raise errors.BadRequest(f"Invalid input for fixed_ips. Reason: '{item[:50]}' "
                                    "is not of the form key=value with key ip_address, "
                                    "subnet_id or ip_address_substr.", kind="HTTPBadRequest")
        by_key.setdefault(key, []).append(value)
    query = select(IPAllocation.port_id)
    if "ip_address" in by_key:
        query = query.where(IPAllocation.ip_address.in_(by_key["ip_address"]))
    if "subnet_id" in by_key:
        query = query.where(IPAllocation.subnet_id.in_(by_key["subnet_id"]))
    if "ip_address_substr" in by_key:
        query = query.where(or_(*(IPAllocation.ip_address.contains(v, autoescape=True)
                                  for v in by_key["ip_address_substr"])))
    return query


def _body(req: Request, key: str, spec: dict, create: bool) -> dict:
    return a.parse(spec, req.json_body(key), create=create)


def _created(req: Request, key: str, make: Callable[[Session, dict], dict]
             ) -> webob.Response:
    """One object, or Neutron's bulk create (`{"<key>s": [...]}`): all or none, in one
    transaction. make(session, body of one) -> its dict."""
    body = req.json_body()
    plural = f"{key}s"
    if isinstance(body, dict) and key not in body and plural in body:
        items = body[plural]
        if not isinstance(items, list) or not items or not all(
                isinstance(item, dict) for item in items):
            raise errors.BadRequest(f"Invalid input for {plural}: a list of objects is "
                                    "expected.")
        with db.transaction() as s:
            return json_response({plural: [make(s, item) for item in items]}, status=201)
    item = req.json_body(key)
    with db.transaction() as s:
        return json_response({key: make(s, item)}, status=201)


# -- networks ----------------------------------------------------------------------------

def networks(req: Request) -> dict:
    return _list(req, Network, "networks", networking.network_dict)


def network_create(req: Request) -> webob.Response:
    def make(s: Session, body: dict) -> dict:
        values = a.parse(NETWORK, body, create=True)
        values.pop("port_security_enabled")
        return networking.network_dict(s, networking.create_network(s, req.context, values))
    return _created(req, "network", make)


def network_show(req: Request) -> dict:
    with db.transaction() as s:
        net = networking.get_network(s, req.context, req.urlvars["id"])
        return {"network": _fields(req, networking.network_dict(s, net))}


def network_update(req: Request) -> dict:
    values = _body(req, "network", NETWORK, create=False)
    values.pop("port_security_enabled", None)
    with db.transaction() as s:
        net = networking.get_network(s, req.context, req.urlvars["id"])
        networking.update(s, req.context, net, values)
        return {"network": networking.network_dict(s, net)}


def network_delete(req: Request) -> webob.Response:
    with db.transaction() as s:
        networking.delete_network(s, req.context,
                                  networking.get_network(s, req.context, req.urlvars["id"]))
    return json_response(None, status=204)


# -- subnets -----------------------------------------------------------------------------

def subnets(req: Request) -> dict:
    return _list(req, Subnet, "subnets", lambda s, x: networking.subnet_dict(x))


def subnet_create(req: Request) -> webob.Response:
    def make(s: Session, body: dict) -> dict:
        values = a.parse(SUBNET, body, create=True)
        if "gateway_ip" not in body:
            values.pop("gateway_ip")  # absent: the default gateway; null: no gateway
        sub = networking.create_subnet(s, req.context, values)
        sg.resync_project(s, sub.project_id)  # rules on remote groups cover its CIDR
        return networking.subnet_dict(sub)
    return _created(req, "subnet", make)


def subnet_show(req: Request) -> dict:
    with db.transaction() as s:
        sub = networking.get_subnet(s, req.context, req.urlvars["id"])
        return {"subnet": _fields(req, networking.subnet_dict(sub))}


def subnet_update(req: Request) -> dict:
    values = _body(req, "subnet", SUBNET, create=False)
    with db.transaction() as s:
        sub = networking.get_subnet(s, req.context, req.urlvars["id"])
        networking.update_subnet(s, req.context, sub, values)
        return {"subnet": networking.subnet_dict(sub)}


def subnet_delete(req: Request) -> webob.Response:
    with db.transaction() as s:
        sub = networking.get_subnet(s, req.context, req.urlvars["id"])
        networking.delete_subnet(s, req.context, sub)
        sg.resync_project(s, sub.project_id)
    return json_response(None, status=204)


# -- ports -------------------------------------------------------------------------------

def _port(req: Request) -> Callable[[Session, Port], dict]:
    """A port as the caller may see it: its binding details are for admins (Neutron's
    get_port:binding:* rules)."""
    def shape(s: Session, port: Port) -> dict:
        item = networking.port_dict(s, port)
        if not req.context.is_admin:
            for key in ADMIN_ONLY_PORT_FIELDS:
                item.pop(key)
        return item
    return shape


ADMIN_ONLY_PORT_FIELDS = ("binding:host_id", "binding:profile", "binding:vif_type",
                          "binding:vif_details")


def ports(req: Request) -> dict:
    return _list(req, Port, "ports", _port(req))


def port_create(req: Request) -> webob.Response:
    def make(s: Session, body: dict) -> dict:
        values = a.parse(PORT, body, create=True)
        if "fixed_ips" not in body:
            values.pop("fixed_ips")
        groups = values.pop("security_groups")
        port = networking.create_port(s, req.context, values)
        sg.set_port_groups(s, req.context, port, groups)
        return _port(req)(s, port)
    return _created(req, "port", make)


def port_show(req: Request) -> dict:
    with db.transaction() as s:
        port = networking.get_port(s, req.context, req.urlvars["id"])
        return {"port": _fields(req, _port(req)(s, port))}


def port_update(req: Request) -> dict:
    values = _body(req, "port", PORT, create=False)
    with db.transaction() as s:
        port = networking.get_port(s, req.context, req.urlvars["id"])
        groups = values.pop("security_groups", None)
        networking.update(s, req.context, port, values)
        if groups is not None:
            sg.set_port_groups(s, req.context, port, groups)
            sg.sync_ports(s, [port.id])
        return {"port": _port(req)(s, port)}


def port_delete(req: Request) -> webob.Response:
    with db.transaction() as s:
        networking.delete_port(s, req.context,
                               networking.get_port(s, req.context, req.urlvars["id"]))
    return json_response(None, status=204)



# -- routers -----------------------------------------------------------------------------

def routers_list(req: Request) -> dict:
    return _list(req, Router, "routers", routers.router_dict)


def router_create(req: Request) -> webob.Response:
    values = _body(req, "router", ROUTER, create=True)
    with db.transaction() as s:
        router = routers.create_router(s, req.context, values)
        return json_response({"router": routers.router_dict(s, router)}, status=201)


def router_show(req: Request) -> dict:
    with db.transaction() as s:
        router = routers.get_router(s, req.context, req.urlvars["id"])
        return {"router": _fields(req, routers.router_dict(s, router))}


def router_update(req: Request) -> dict:
    values = _body(req, "router", ROUTER, create=False)
    with db.transaction() as s:
        router = routers.get_router(s, req.context, req.urlvars["id"])
        routers.update_router(s, req.context, router, values)
        return {"router": routers.router_dict(s, router)}


def router_delete(req: Request) -> webob.Response:
    with db.transaction() as s:
        routers.delete_router(s, req.context,
                              routers.get_router(s, req.context, req.urlvars["id"]))
    return json_response(None, status=204)


def router_add_interface(req: Request) -> dict:
    with db.transaction() as s:
        router = routers.get_router(s, req.context, req.urlvars["id"])
        return routers.add_interface(s, req.context, router, req.json_body())


def router_remove_interface(req: Request) -> dict:
    with db.transaction() as s:
        router = routers.get_router(s, req.context, req.urlvars["id"])
        return routers.remove_interface(s, req.context, router, req.json_body())


def _change_routes(req: Request, add: bool) -> dict:
    routes = _body(req, "router", ROUTES, create=True)["routes"]
    with db.transaction() as s:
        router = routers.get_router(s, req.context, req.urlvars["id"])
        routers.change_routes(s, req.context, router, routes, add)
        return {"router": routers.router_dict(s, router)}


def router_add_routes(req: Request) -> dict:
    return _change_routes(req, add=True)


def router_remove_routes(req: Request) -> dict:
    return _change_routes(req, add=False)


# -- security groups -----------------------------------------------------------------------

def security_groups(req: Request) -> dict:
    # Neutron makes a project's default group when its groups are listed: the caller's
    # own, or the one an admin names. A member's filter by another project makes nothing.
    ctx = req.context
    project = req.GET.get("project_id") or req.GET.get("tenant_id")
    target = project if ctx.is_admin else ctx.project_id
    if target and (project in (None, target)):
        with db.transaction() as s:
            sg.default_group(s, target)
    return _list(req, SecurityGroup, "security_groups", sg.group_dict)


def security_group_create(req: Request) -> webob.Response:
    values = _body(req, "security_group", SECURITY_GROUP, create=True)
    values.pop("stateful")
    with db.transaction() as s:
        group = sg.create_group(s, req.context, values)
        return json_response({"security_group": sg.group_dict(s, group)}, status=201)


def security_group_show(req: Request) -> dict:
    with db.transaction() as s:
        group = sg.get_group(s, req.context, req.urlvars["id"])
        return {"security_group": _fields(req, sg.group_dict(s, group))}


def security_group_update(req: Request) -> dict:
    values = _body(req, "security_group", SECURITY_GROUP, create=False)
    with db.transaction() as s:
        group = sg.get_group(s, req.context, req.urlvars["id"])
        sg.update_group(s, req.context, group, values)
        return {"security_group": sg.group_dict(s, group)}


def security_group_delete(req: Request) -> webob.Response:
    with db.transaction() as s:
        sg.delete_group(s, req.context, sg.get_group(s, req.context, req.urlvars["id"]))
    return json_response(None, status=204)


def rules(req: Request) -> dict:
    return _list(req, SecurityGroupRule, "security_group_rules",
                 lambda s, rule: sg.rule_dict(rule))


def rule_create(req: Request) -> webob.Response:
    values = _body(req, "security_group_rule", SECURITY_GROUP_RULE, create=True)
    with db.transaction() as s:
        rule = sg.create_rule(s, req.context, values)
        return json_response({"security_group_rule": sg.rule_dict(rule)}, status=201)


def rule_show(req: Request) -> dict:
    with db.transaction() as s:
        rule = sg.get_rule(s, req.context, req.urlvars["id"])
        return {"security_group_rule": _fields(req, sg.rule_dict(rule))}


def rule_delete(req: Request) -> webob.Response:
    with db.transaction() as s:
        sg.delete_rule(s, req.context, sg.get_rule(s, req.context, req.urlvars["id"]))
    return json_response(None, status=204)
