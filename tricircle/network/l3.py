"""Cross-pod L3 decisions (pure logic): a project's bridge VLAN and CIDR, and the extra
routes every bottom router of a top router needs.

A top router R of project P spans the pods where P attached subnets to it. In each such pod
R has a bottom router, joined to P's bridge network (one VLAN, one CIDR, the same in every
pod) at a bridge IP of its own. A bottom router reaches another pod's tenant CIDRs through
that pod's bridge IP.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence

from tricircle.core import errors
from tricircle.network import ipam

DEFAULT_BRIDGE_POOL = "100.0.0.0/9"
BRIDGE_PREFIXLEN = 24


def pick_vlan(vlan_range: tuple[int, int], used: Iterable[int]) -> int:
    """The lowest VLAN of the range not in use (on this physical network)."""
    taken = set(used)
    for vlan in range(vlan_range[0], vlan_range[1] + 1):
        if vlan not in taken:
            return vlan
    raise errors.Conflict(f"No free bridge VLAN left in {vlan_range[0]}-{vlan_range[1]}.")


def pick_bridge_cidr(pool: str, used: Iterable[str], tenant_cidrs: Iterable[str],
                     prefixlen: int = BRIDGE_PREFIXLEN) -> str:
    """The first /prefixlen of `pool` that no other project's bridge holds and that no
    tenant CIDR of the project's routers overlaps."""
    avoid = [ipam.parse_cidr(c) for c in (*used, *tenant_cidrs)]
    for candidate in ipaddress.ip_network(pool).subnets(new_prefix=prefixlen):
        if not any(ipam.overlaps(candidate, other) for other in avoid):
            return str(candidate)
    raise errors.Conflict(f"No free bridge CIDR left in {pool}.")


def bridge_conflicts(bridge_cidr: str | None, cidr: str) -> bool:
    """Would a tenant subnet `cidr` overlap the project's bridge?"""
    return bridge_cidr is not None and ipam.overlaps(ipam.parse_cidr(bridge_cidr),
                                                     ipam.parse_cidr(cidr))


def extra_routes(attached: Mapping[str, Sequence[str]], bridge_ips: Mapping[str, str],
                 user_routes: Sequence[dict] = ()) -> dict[str, list[dict]]:
    """For each pod X with a bottom router: the routes it needs, i.e. for every other pod
    Y, each tenant CIDR attached in Y via Y's bridge IP; plus the top router's own routes.

    attached: pod -> tenant CIDRs of the router's interfaces in that pod;
    bridge_ips: pod -> the bottom router's bridge IP in that pod.
    A pod without a bridge IP yet is neither reached nor given routes. A user route goes
    as given to the pod whose attached CIDR holds its nexthop, and to the other pods via
    that pod's bridge IP (a nexthop on no attached CIDR reaches nobody: it is dropped).
    """
    def pod_of(ip: str) -> str | None:
        addr = ipam.parse_ip(ip)
        return next((pod for pod, cidrs in attached.items()
                     if any(addr in ipam.parse_cidr(c) for c in cidrs)), None)

    out = {}
    for pod in bridge_ips:
        routes = {(cidr, bridge_ips[other]) for other, cidrs in attached.items()
                  if other != pod and other in bridge_ips for cidr in cidrs}
        for r in user_routes:
            home = pod_of(r["nexthop"])
            if home == pod:
                routes.add((r["destination"], r["nexthop"]))
            elif home in bridge_ips:
                routes.add((r["destination"], bridge_ips[home]))
        out[pod] = [{"destination": d, "nexthop": n} for d, n in sorted(routes)]
    return out
