"""The network API: Neutron's default rules (its legacy defaults, which its own clients and
tests expect of a member), action by action and for the attributes Neutron guards.
Targets carry the object's `project_id` and, for what lives on a network,
`network:project_id` and `network:shared`, and a port's `network_device` (its
device_owner is network:*) (tricircle/network/networks.py: target())."""
from __future__ import annotations

from oslo_policy import policy

NET = "/networking/v2.0"

rules = [
    policy.RuleDefault("admin_only", "rule:context_is_admin", description="Admins only."),
    policy.RuleDefault("shared", "True:%(network:shared)s",
                       description="The object's network is shared."),
    policy.RuleDefault("admin_or_network_owner",
                       "rule:context_is_admin or project_id:%(network:project_id)s",
                       description="Admins, or members of the network's project."),
    policy.RuleDefault("admin_owner_or_network_owner",
                       "rule:admin_or_owner or rule:admin_or_network_owner",
                       description="Admins, the object's project or the network's."),
    policy.RuleDefault("network_device", "True:%(network_device)s",
                       description="A port owned by a network service (router, DHCP)."),
    policy.DocumentedRuleDefault(
        "network:availability_zone:list", "", "List network availability zones.",
        [{"method": "GET", "path": f"{NET}/availability_zones"}]),
]


def _rule(name: str, check: str, method: str, path: str, what: str) -> None:
    rules.append(policy.DocumentedRuleDefault(name, check, what, [{"method": method,
                                                                   "path": path}]))


for _kind, _path, _get in (
        ("network", "networks", "rule:admin_or_owner or rule:shared"),
        ("subnet", "subnets", "rule:admin_or_owner or rule:shared"),
        ("port", "ports", "rule:admin_owner_or_network_owner"),
        ("router", "routers", "rule:admin_or_owner"),
        ("security_group", "security-groups", "rule:admin_or_owner"),
        ("security_group_rule", "security-group-rules", "rule:admin_or_owner")):
    _owner = "rule:admin_or_network_owner" if _kind == "subnet" else "rule:admin_or_owner"
    # A port of a network anyone may use (shared) is made by its user's project.
    _rule(f"create_{_kind}", "" if _kind == "port" else _owner, "POST", f"{NET}/{_path}",
          f"Create a {_kind}.")
    _rule(f"get_{_kind}", _get, "GET", f"{NET}/{_path}/{{id}}", f"Show a {_kind}.")
    _rule(f"update_{_kind}", _owner, "PUT", f"{NET}/{_path}/{{id}}", f"Update a {_kind}.")
    _rule(f"delete_{_kind}",
          "rule:admin_owner_or_network_owner" if _kind == "port" else _owner,
          "DELETE", f"{NET}/{_path}/{{id}}", f"Delete a {_kind}.")

for _name, _check, _method, _path, _what in (
        ("create_network:shared", "rule:admin_only", "POST", "networks",
         "Make a network shared."),
        ("update_network:shared", "rule:admin_only", "PUT", "networks/{id}",
         "Share or unshare a network."),
        ("create_port:device_owner",
         "not rule:network_device or rule:admin_or_network_owner", "POST", "ports",
         "Give a port a network service's device_owner (network:*)."),
        ("update_port:device_owner",
         "not rule:network_device or rule:admin_or_network_owner", "PUT", "ports/{id}",
         "Change a port's device_owner to a network service's."),
        ("create_port:mac_address", "rule:admin_or_network_owner", "POST", "ports",
         "Choose a port's MAC address."),
        ("create_port:fixed_ips:ip_address", "rule:admin_or_network_owner", "POST", "ports",
         "Choose a port's IP address."),
        ("update_port:fixed_ips:ip_address", "rule:admin_or_network_owner", "PUT",
         "ports/{id}", "Change a port's IP address."),
        ("create_port:binding:host_id", "rule:admin_only", "POST", "ports",
         "Bind a port to a host."),
        ("update_port:binding:host_id", "rule:admin_only", "PUT", "ports/{id}",
         "Bind a port to another host."),
        ("create_port:binding:profile", "rule:admin_only", "POST", "ports",
         "Give a port a binding profile."),
        ("update_port:binding:profile", "rule:admin_only", "PUT", "ports/{id}",
         "Change a port's binding profile."),
        ("create_router:distributed", "rule:admin_only", "POST", "routers",
         "Ask for a distributed router."),
        ("update_router:distributed", "rule:admin_only", "PUT", "routers/{id}",
         "Make a router distributed or not."),
        ("add_router_interface", "rule:admin_or_owner", "PUT",
         "routers/{id}/add_router_interface", "Add an interface to a router."),
        ("remove_router_interface", "rule:admin_or_owner", "PUT",
         "routers/{id}/remove_router_interface", "Remove an interface from a router.")):
    _rule(_name, _check, _method, f"{NET}/{_path}", _what)
