"""IP address management at the top (pure logic): subnets' pools, fixed IPs, MACs.

Tricircle allocates every port's IP and MAC itself, so that the copy of a port made in a
pod carries exactly the address the top promised.
"""
from __future__ import annotations

import ipaddress
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tricircle.core import errors

MAC_PREFIX = "fa:16:3e"  # OpenStack's (Neutron's default base_mac)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Pool:
    start: Address
    end: Address

    def as_dict(self) -> dict:
        return {"start": str(self.start), "end": str(self.end)}

    def __contains__(self, ip: Address) -> bool:
        return self.start <= ip <= self.end


def parse_cidr(cidr: str) -> Network:
    try:
        return ipaddress.ip_network(cidr, strict=True)
    except ValueError as err:
        raise errors.BadRequest(f"Invalid input for cidr. Reason: '{cidr}' is not a valid "
                                f"IP subnet ({err}).") from None


def parse_ip(text: str, what: str = "ip_address") -> Address:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise errors.BadRequest(f"Invalid input for {what}. Reason: '{text}' is not a valid "
                                "IP address.") from None


def _hosts_bounds(net: Network) -> tuple[Address, Address]:
    """First and last assignable address (IPv4 excludes network and broadcast)."""
    if net.version == 4 and net.prefixlen < 31:
        return net.network_address + 1, net.broadcast_address - 1
    return net.network_address + (1 if net.version == 6 else 0), net.broadcast_address


def default_gateway(net: Network) -> Address:
    return _hosts_bounds(net)[0]


def pools_for(net: Network, gateway: Address | None,
              requested: Sequence[dict] | None) -> list[Pool]:
    """The subnet's allocation pools: checked if given, else every host address but the
    gateway (as Neutron answers)."""
    first, last = _hosts_bounds(net)
    if gateway is not None and gateway not in net:
        raise errors.BadRequest(f"Gateway IP {gateway} conflicts with the subnet {net}: "
                                "it is outside it.")
    if requested:
        pools = []
        for p in requested:
            try:
                start, end = parse_ip(p["start"], "allocation_pools"), \
                    parse_ip(p["end"], "allocation_pools")
            except (KeyError, TypeError):
                raise errors.BadRequest("Invalid input for allocation_pools: each needs "
                                        "start and end.") from None
            if not (first <= start <= end <= last):
                raise errors.BadRequest(f"The allocation pool {start}-{end} spans beyond "
                                        f"the subnet cidr {net}.")
            if gateway is not None and start <= gateway <= end:
                raise errors.Conflict(f"Gateway ip {gateway} conflicts with allocation "
                                      f"pool {start}-{end}.")
            pools.append(Pool(start, end))
        pools.sort(key=lambda p: p.start)
        for a, b in itertools.pairwise(pools):
            if b.start <= a.end:
                raise errors.BadRequest(f"Found overlapping allocation pools: {a.start}-"
                                        f"{a.end} and {b.start}-{b.end}.")
        return pools
    if gateway is None or not first <= gateway <= last:
        return [Pool(first, last)]
    out = []
    if gateway > first:
        out.append(Pool(first, gateway - 1))
    if gateway < last:
        out.append(Pool(gateway + 1, last))
    return out


def allocate(pools: Iterable[Pool], used: set[Address],
             wanted: Address | None = None) -> Address:
    """`wanted` if free and in a pool (a fixed IP asked for may also lie outside the
    pools but in the subnet: the caller checks that), else the lowest free address."""
    pools = list(pools)
    if wanted is not None:
        if wanted in used:
            raise errors.Conflict(f"IP address {wanted} already allocated in subnet.")
        return wanted
    for pool in pools:
        ip = pool.start
        while ip <= pool.end:
            if ip not in used:
                return ip
            ip += 1
    raise errors.Conflict("No more IP addresses available on the subnet.")


def random_mac(rng: random.Random | None = None) -> str:
    rng = rng or random.SystemRandom()
    return MAC_PREFIX + "".join(f":{rng.randrange(256):02x}" for _ in range(3))


def valid_mac(mac: str) -> str:
    parts = mac.lower().split(":")
    if len(parts) != 6 or not all(len(p) == 2 and all(c in "0123456789abcdef" for c in p)
                                  for p in parts):
        raise errors.BadRequest(f"Invalid input for mac_address. Reason: '{mac}' is not a "
                                "valid MAC address.")
    if int(parts[0], 16) & 1:
        raise errors.BadRequest(f"Invalid input for mac_address: {mac} is a multicast "
                                "address.")
    return ":".join(parts)


def usable(net: Network, ip: Address) -> bool:
    """May a port have `ip` on `net`? Not outside it, nor its network address (or, in
    IPv4, broadcast address) where the prefix leaves hosts around them (Neutron's rule)."""
    if ip.version != net.version or ip not in net:
        return False
    if net.prefixlen >= net.max_prefixlen - 1:
        return True
    return ip != net.network_address and (net.version == 6 or ip != net.broadcast_address)


def overlaps(a: Network, b: Network) -> bool:
    return a.version == b.version and a.overlaps(b)
