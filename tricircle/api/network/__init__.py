"""The network API (Neutron v2.0) users reach through RegionOne: its whole surface."""
from __future__ import annotations

from tricircle.api.network import handlers as r
from tricircle.api.wsgi import Request, Router
from tricircle.core import db, errors, pods
from tricircle.core.policies import authorize

# Only what is really served is listed (clients decide what to call from this).
EXTENSIONS = [
    {"alias": alias, "name": name, "description": f"{name}.",
     "updated": "2015-01-01T10:00:00-00:00", "links": []}
    for alias, name in (("availability_zone", "Availability Zone"),
                        ("network_availability_zone", "Network Availability Zone"),
                        ("standard-attr-description", "standard-attr-description"),
                        ("standard-attr-timestamp", "Resource timestamps"),
                        ("standard-attr-revisions", "Resource revision numbers"),
                        ("net-mtu", "Network MTU"),
                        ("net-mtu-writable", "Network MTU (writable)"),
                        ("router", "Neutron L3 Router"),
                        ("extraroute", "Neutron Extra Route"),
                        ("extraroute-atomic", "Atomically add/remove extra routes"),
                        ("router_availability_zone", "Router Availability Zone"),
                        ("security-group", "security-group"),
                        ("allowed-address-pairs", "Allowed Address Pairs"),
                        ("extra_dhcp_opt", "Neutron Extra DHCP options"),
                        ("ip-substring-filtering", "IP address substring filtering"),
                        ("service-type", "Neutron Service Type Management"),
                        ("binding", "Port Binding"))
]


def versions(req: Request) -> dict:
    return {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
        {"rel": "self", "href": f"{req.application_url}/v2.0/"}]}]}


def resources(req: Request) -> dict:
    """Neutron's index of its core resources (extensions' are found by /extensions)."""
    return {"resources": [
        {"name": name, "collection": f"{name}s",
         "links": [{"rel": "self", "href": f"{req.application_url}/v2.0/{name}s"}]}
        for name in ("network", "subnet", "port")]}


def extensions(req: Request) -> dict:
    return {"extensions": EXTENSIONS}


def extension(req: Request) -> dict:
    for ext in EXTENSIONS:
        if ext["alias"] == req.urlvars["alias"]:
            return {"extension": ext}
    raise errors.NotFound(f"Extension with alias {req.urlvars['alias']} does not exist",
                          kind="NotFound")


def availability_zones(req: Request) -> dict:
    authorize(req.context, "network:availability_zone:list")
    with db.transaction() as s:
        zones = pods.availability_zones(s)
    return {"availability_zones": [{"name": az, "resource": resource, "state": "available"}
                                   for az in zones for resource in ("network", "router")]}


def service_providers(req: Request) -> dict:
    """The one router provider: Tricircle's cross-pod routers."""
    return {"service_providers": [{"service_type": "L3_ROUTER_NAT", "name": "tricircle",
                                   "default": True}]}


ROUTES = {
    "/": {"GET": versions},
    "/v2.0": {"GET": resources},
    "/v2.0/extensions": {"GET": extensions},
    "/v2.0/extensions/{alias}": {"GET": extension},
    "/v2.0/availability_zones": {"GET": availability_zones},
    "/v2.0/service-providers": {"GET": service_providers},
    "/v2.0/networks": {"GET": r.networks, "POST": r.network_create},
    "/v2.0/networks/{id}": {"GET": r.network_show, "PUT": r.network_update,
                            "DELETE": r.network_delete},
    "/v2.0/subnets": {"GET": r.subnets, "POST": r.subnet_create},
    "/v2.0/subnets/{id}": {"GET": r.subnet_show, "PUT": r.subnet_update,
                           "DELETE": r.subnet_delete},
    "/v2.0/ports": {"GET": r.ports, "POST": r.port_create},
    "/v2.0/ports/{id}": {"GET": r.port_show, "PUT": r.port_update, "DELETE": r.port_delete},
    "/v2.0/routers": {"GET": r.routers_list, "POST": r.router_create},
    "/v2.0/routers/{id}": {"GET": r.router_show, "PUT": r.router_update,
                           "DELETE": r.router_delete},
    "/v2.0/routers/{id}/add_router_interface": {"PUT": r.router_add_interface},
    "/v2.0/routers/{id}/remove_router_interface": {"PUT": r.router_remove_interface},
    "/v2.0/routers/{id}/add_extraroutes": {"PUT": r.router_add_routes},
    "/v2.0/routers/{id}/remove_extraroutes": {"PUT": r.router_remove_routes},
    "/v2.0/security-groups": {"GET": r.security_groups, "POST": r.security_group_create},
    "/v2.0/security-groups/{id}": {"GET": r.security_group_show,
                                   "PUT": r.security_group_update,
                                   "DELETE": r.security_group_delete},
    "/v2.0/security-group-rules": {"GET": r.rules, "POST": r.rule_create},
    "/v2.0/security-group-rules/{id}": {"GET": r.rule_show, "DELETE": r.rule_delete},
}


def router() -> Router:
    return Router(ROUTES, public=frozenset({"/"}))
