"""The network API: Neutron's rules under Neutron's names, with its current defaults
(project-scoped personas: a reader reads, a member writes, an admin does anything) and
its legacy rules as the deprecated ones, so that `[oslo_policy] enforce_new_defaults` and
`enforce_scope` mean what they mean in the pods' Neutron (neutron/conf/policies/*.py,
Neutron 29). Targets carry the object's `project_id` and, for what lives on a network,
`network:project_id` and `network:shared`, a port's `network_device` (its device_owner is
network:*) and a security group rule's `security_group:project_id`
(tricircle/network/networks.py: target())."""
from __future__ import annotations

from oslo_policy import policy

NET = "/networking/v2.0"

ADMIN = "rule:admin_only"
PROJECT_MEMBER = "role:member and project_id:%(project_id)s"
PROJECT_READER = "role:reader and project_id:%(project_id)s"
ADMIN_OR_MEMBER = f"({ADMIN}) or ({PROJECT_MEMBER})"
ADMIN_OR_READER = f"({ADMIN}) or ({PROJECT_READER})"
NET_OWNER_MEMBER = "role:member and rule:network_owner"
NET_OWNER_READER = "role:reader and rule:network_owner"
SERVICE = "rule:service_api"

_REASON = ("Neutron's rules with project-scoped personas (reader, member, admin); the "
           "legacy rules allowed any role of the project to write.")

rules = [
    policy.RuleDefault("admin_only", "rule:context_is_admin", description="Admins only."),
    policy.RuleDefault("service_api", "role:service",
                       description="Services calling on their own behalf."),
    policy.RuleDefault("network_owner", "project_id:%(network:project_id)s",
                       description="Members of the object's network's project."),
    policy.RuleDefault("sg_owner", "project_id:%(security_group:project_id)s",
                       description="Members of the rule's security group's project."),
    policy.RuleDefault("shared", "True:%(network:shared)s",
                       description="The object's network is shared."),
    policy.RuleDefault("admin_or_network_owner",
                       "rule:context_is_admin or project_id:%(network:project_id)s",
                       description="Admins, or members of the network's project (legacy)."),
    policy.RuleDefault("admin_owner_or_network_owner",
                       "rule:admin_or_owner or rule:admin_or_network_owner",
                       description="Admins, the object's project or the network's (legacy)."),
    policy.RuleDefault("network_device", "True:%(network_device)s",
                       description="A port owned by a network service (router, DHCP)."),
    policy.DocumentedRuleDefault(
        "network:availability_zone:list", "", "List network availability zones.",
        [{"method": "GET", "path": f"{NET}/availability_zones"}]),
]


def _rule(name: str, check: str, legacy: str, *, method: str, path: str, what: str) -> None:
    deprecated = policy.DeprecatedRule(name, legacy, deprecated_reason=_REASON,
                                       deprecated_since="2026.2")
    rules.append(policy.DocumentedRuleDefault(
        name, check, what, [{"method": method, "path": f"{NET}/{path}"}],
        scope_types=["project"], deprecated_rule=deprecated))


_OWNER, _NET_OWNER = "rule:admin_or_owner", "rule:admin_or_network_owner"
_SUBNET_WRITE = f"{PROJECT_MEMBER} or ({ADMIN}) or ({NET_OWNER_MEMBER})"
_PORT_GUARDED = f"({ADMIN}) or ({SERVICE}) or {NET_OWNER_MEMBER}"
_SG_RULE_WRITE = f"({ADMIN}) or (role:member and rule:sg_owner)"
# (kind, path, create, get, update, delete): each (current default, legacy rule).
for _kind, _path, _create, _get, _update, _delete in (
        ("network", "networks", (ADMIN_OR_MEMBER, ""),
         (f"{ADMIN_OR_READER} or {SERVICE} or rule:shared", f"{_OWNER} or rule:shared"),
         (ADMIN_OR_MEMBER, _OWNER), (ADMIN_OR_MEMBER, _OWNER)),
        ("subnet", "subnets", (f"({ADMIN}) or ({NET_OWNER_MEMBER})", _NET_OWNER),
         (f"{PROJECT_READER} or rule:shared or ({ADMIN}) or ({NET_OWNER_READER}) or "
          f"{SERVICE}", f"{_OWNER} or rule:shared"),
         (_SUBNET_WRITE, _NET_OWNER), (_SUBNET_WRITE, _NET_OWNER)),
        ("port", "ports", (f"{_PORT_GUARDED} or rule:shared", ""),
         (f"({ADMIN}) or ({SERVICE}) or {NET_OWNER_READER} or {PROJECT_READER}",
          "rule:admin_owner_or_network_owner"),
         (f"({ADMIN}) or ({SERVICE}) or {PROJECT_MEMBER}", _OWNER),
         (f"({ADMIN}) or ({SERVICE}) or {NET_OWNER_MEMBER} or {PROJECT_MEMBER}",
          "rule:admin_owner_or_network_owner")),
        ("router", "routers", (ADMIN_OR_MEMBER, ""), (ADMIN_OR_READER, _OWNER),
         (ADMIN_OR_MEMBER, _OWNER), (ADMIN_OR_MEMBER, _OWNER)),
        ("security_group", "security-groups", (ADMIN_OR_MEMBER, _OWNER),
         (ADMIN_OR_READER, _OWNER), (ADMIN_OR_MEMBER, _OWNER), (ADMIN_OR_MEMBER, _OWNER)),
        ("security_group_rule", "security-group-rules", (_SG_RULE_WRITE, _OWNER),
         (f"({ADMIN}) or (role:reader and rule:sg_owner)", _OWNER),
         (_SG_RULE_WRITE, _OWNER), (_SG_RULE_WRITE, _OWNER))):
    for _action, (_check, _legacy), _method, _at in (
            ("create", _create, "POST", _path), ("get", _get, "GET", f"{_path}/{{id}}"),
            ("update", _update, "PUT", f"{_path}/{{id}}"),
            ("delete", _delete, "DELETE", f"{_path}/{{id}}")):
        _rule(f"{_action}_{_kind}", _check, _legacy, method=_method, path=_at,
              what=f"{_action.capitalize()} a {_kind}.")

_DEVICE_OWNER = f"not rule:network_device or {_PORT_GUARDED}"
_LEGACY_DEVICE_OWNER = f"not rule:network_device or {_NET_OWNER}"
for _name, _check, _legacy, _method, _path, _what in (
        ("create_network:shared", ADMIN, ADMIN, "POST", "networks", "Make a network shared."),
        ("update_network:shared", ADMIN, ADMIN, "PUT", "networks/{id}",
         "Share or unshare a network."),
        ("create_port:device_owner", _DEVICE_OWNER, _LEGACY_DEVICE_OWNER, "POST", "ports",
         "Give a port a network service's device_owner (network:*)."),
        ("update_port:device_owner", _DEVICE_OWNER, _LEGACY_DEVICE_OWNER, "PUT",
         "ports/{id}", "Change a port's device_owner to a network service's."),
        ("create_port:mac_address", _PORT_GUARDED, _NET_OWNER, "POST", "ports",
         "Choose a port's MAC address."),
        ("create_port:fixed_ips:ip_address", _PORT_GUARDED, _NET_OWNER, "POST", "ports",
         "Choose a port's IP address."),
        ("update_port:fixed_ips:ip_address", _PORT_GUARDED, _NET_OWNER, "PUT",
         "ports/{id}", "Change a port's IP address."),
        ("create_port:binding:host_id", f"({ADMIN}) or ({SERVICE})", ADMIN, "POST", "ports",
         "Bind a port to a host."),
        ("update_port:binding:host_id", f"({ADMIN}) or ({SERVICE})", ADMIN, "PUT",
         "ports/{id}", "Bind a port to another host."),
        ("create_port:binding:profile", SERVICE, ADMIN, "POST", "ports",
         "Give a port a binding profile."),
        ("update_port:binding:profile", SERVICE, ADMIN, "PUT", "ports/{id}",
         "Change a port's binding profile."),
        ("create_router:distributed", ADMIN, ADMIN, "POST", "routers",
         "Ask for a distributed router."),
        ("update_router:distributed", ADMIN, ADMIN, "PUT", "routers/{id}",
         "Make a router distributed or not."),
        ("add_router_interface", ADMIN_OR_MEMBER, _OWNER, "PUT",
         "routers/{id}/add_router_interface", "Add an interface to a router."),
        ("remove_router_interface", ADMIN_OR_MEMBER, _OWNER, "PUT",
         "routers/{id}/remove_router_interface", "Remove an interface from a router.")):
    _rule(_name, _check, _legacy, method=_method, path=_path, what=_what)
