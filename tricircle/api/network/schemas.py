"""Checking request bodies the way Neutron does: each resource's attributes, which may be
set on create or update, their defaults, and Neutron's messages for a bad value."""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tricircle.core import errors, integers

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                   r"[0-9a-fA-F]{12}$")
_MAC = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")

Check = Callable[[str, Any], Any]  # (name, value) -> the value to keep


def bad(name: str, value: Any, reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid input for {name}. Reason: {reason}.",
                             kind="HTTPBadRequest")


def string(max_len: int = 255) -> Check:
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, str):
            raise bad(name, value, f"'{str(value)[:50]}' is not a valid string")
        if len(value) > max_len:
            raise bad(name, value, f"'{value[:50]}...' exceeds maximum length of {max_len}")
        return value
    return check


def boolean(name: str, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad(name, value, f"'{str(value)[:50]}' cannot be converted to boolean")


def port_number(name: str, value: Any) -> Any:
    """A rule's port: Neutron converts it (an integer, or digits) or names the value."""
    if value is None:
        return None
    number = integers.digits(value, 65535)
    if number is not None:
        return number
    raise errors.BadRequest(f"Invalid value for port {value}",
                            kind="SecurityGroupInvalidPortValue")


def integer(low: int, high: int) -> Check:
    def check(name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise bad(name, value, f"'{str(value)[:50]}' is not an integer in {low}..{high}")
        return value
    return check


def list_of(item: Check) -> Check:
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, list):
            raise bad(name, value, f"'{str(value)[:50]}' is not a list")
        return [item(name, v) for v in value]
    return check


def dict_list(*keys: str) -> Check:
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise bad(name, value, f"'{str(value)[:50]}' is not a list of objects")
        for v in value:
            unknown = set(v) - set(keys)
            if unknown:
                raise bad(name, value, f"unrecognized keys {sorted(unknown)}")
        return value
    return check


# Value checks as neutron-lib's validators make them (validate_ip_address, validate_subnet,
# validate_hostroutes, validate_nameservers, validate_ip_pools, validate_fixed_ips), with
# their messages, on the standard library's ipaddress: neutron-lib itself would bring
# oslo.messaging, os-ken and pecan into the gateway for these few functions.

def parsed(parse: Callable[[str], Any], what: str) -> Check:
    """A string `parse` accepts, else "'<value>' is not a valid <what>"."""
    def check(name: str, value: Any) -> Any:
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            parse(value)
        except ValueError:
            raise bad(name, value, f"'{str(value)[:50]}' is not a valid {what}") from None
        return value
    return check


ip_address = parsed(ipaddress.ip_address, "IP address")
subnet = parsed(lambda v: ipaddress.ip_network(v, strict=False), "IP subnet")
_nameserver = parsed(ipaddress.ip_address, "nameserver")


def matching(regex: re.Pattern, what: str) -> Check:
    """A string that `regex` matches, else "'<value>' is not a valid <what>"."""
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, str) or not regex.match(value):
            raise bad(name, value, f"'{str(value)[:50]}' is not a valid {what}")
        return value
    return check


uuid_like = matching(_UUID, "UUID")
mac_address = matching(_MAC, "MAC address")


def host_routes(name: str, value: Any) -> Any:
    routes = dict_list("destination", "nexthop")(name, value)
    seen = []
    for route in routes:
        if set(route) != {"destination", "nexthop"}:
            raise bad(name, value, f"Invalid data format for hostroute: '{str(route)[:80]}'")
        subnet(name, route["destination"])
        ip_address(name, route["nexthop"])
        if route in seen:
            raise bad(name, value, f"Duplicate hostroute '{str(route)[:80]}'")
        seen.append(route)
    return routes


def nameservers(name: str, value: Any) -> Any:
    if not isinstance(value, list):
        raise bad(name, value, f"'{str(value)[:50]}' is not a list")
    for server in value:
        _nameserver(name, server)
    if len(set(value)) != len(value):
        raise bad(name, value, "Duplicate nameserver")
    return value


def ip_pools(name: str, value: Any) -> Any:
    pools = dict_list("start", "end")(name, value)
    for pool in pools:
        if set(pool) != {"start", "end"}:
            raise bad(name, value, f"Invalid data format for IP pool: '{str(pool)[:80]}'")
        ip_address(name, pool["start"])
        ip_address(name, pool["end"])
    return pools


def fixed_ips(name: str, value: Any) -> Any:
    items = dict_list("subnet_id", "ip_address")(name, value)
    seen = set()
    for item in items:
        if not item:
            raise bad(name, value, f"Invalid data format for fixed IP: '{item}'")
        if "subnet_id" in item:
            uuid_like(name, item["subnet_id"])
        if "ip_address" in item:
            ip_address(name, item["ip_address"])
            if item["ip_address"] in seen:
                raise bad(name, value, f"Duplicate IP address '{item['ip_address']}'")
            seen.add(item["ip_address"])
    return items


def address_pairs(name: str, value: Any) -> Any:
    """neutron-lib's validate_allowed_address_pairs: an IP or CIDR each, a MAC if given."""
    pairs = dict_list("ip_address", "mac_address")(name, value)
    seen = []
    for pair in pairs:
        if "ip_address" not in pair:
            raise bad(name, value, "AllowedAddressPair missing IP address")
        subnet(name, pair["ip_address"])
        if "mac_address" in pair:
            mac_address(name, pair["mac_address"])
        if pair in seen:
            raise bad(name, value, f"Duplicate address pair '{str(pair)[:80]}'")
        seen.append(pair)
    return pairs


def dhcp_options(name: str, value: Any) -> Any:
    """Neutron's extra_dhcp_opts: opt_name, opt_value (null removes it on update),
    ip_version 4 (the default) or 6."""
    opts = dict_list("opt_name", "opt_value", "ip_version")(name, value)
    for opt in opts:
        string()(name, opt.get("opt_name"))
        nullable(string())(name, opt.get("opt_value"))
        opt["ip_version"] = int(one_of(4, 6, "4", "6")(name, opt.get("ip_version", 4)))
    return opts


def routes(name: str, value: Any) -> Any:
    """A router's routes: {destination, nexthop} each, as host routes are checked."""
    return host_routes(name, value)


def string_or_int(name: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise bad(name, value, f"'{str(value)[:50]}' is not a string or an integer")
    return value


def any_dict(name: str, value: Any) -> Any:
    if not isinstance(value, dict):
        raise bad(name, value, f"'{str(value)[:50]}' is not a dictionary")
    return value


def nullable(inner: Check) -> Check:
    def check(name: str, value: Any) -> Any:
        return None if value is None else inner(name, value)
    return check


# Neutron's binding:vnic_type values (neutron_lib.api.definitions.portbindings).
VNIC_TYPES = ("normal", "direct", "macvtap", "baremetal", "direct-physical",
              "virtio-forwarder", "smart-nic", "vdpa", "accelerator-direct",
              "accelerator-direct-physical", "remote-managed")


def empty_dict_if_none(name: str, value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad(name, value, f"'{str(value)[:50]}' is not a dictionary")
    return value


def empty_if_none(inner: Check) -> Check:
    """Neutron's convert_none_to_empty_list: null clears a list."""
    def check(name: str, value: Any) -> Any:
        return [] if value is None else inner(name, value)
    return check


def one_of(*allowed: Any) -> Check:
    def check(name: str, value: Any) -> Any:
        if value not in allowed:
            raise bad(name, value, f"{str(value)[:50]} is not in {list(allowed)}")
        return value
    return check


@dataclass(frozen=True)
class Attr:
    check: Check
    default: Any = None  # a callable default is called
    post: bool = True  # may be given on create
    put: bool = True  # may be changed by update
    required: bool = False


def parse(spec: dict[str, Attr], body: dict, *, create: bool) -> dict:
    """The body's values checked, with defaults filled in on create."""
    unknown = sorted(set(body) - set(spec))
    if unknown:
        raise errors.BadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}'",
                                kind="HTTPBadRequest")
    out = {}
    for name, attr in spec.items():
        if name in body:
            if not (attr.post if create else attr.put):
                raise errors.BadRequest(f"Attribute '{name}' not allowed in "
                                        f"{'POST' if create else 'PUT'}",
                                        kind="HTTPBadRequest")
            out[name] = attr.check(name, body[name])
        elif create:
            if attr.required:
                raise errors.BadRequest(f"Failed to parse request. Required attribute "
                                        f"'{name}' not specified", kind="HTTPBadRequest")
            out[name] = attr.default() if callable(attr.default) else attr.default
    return out
