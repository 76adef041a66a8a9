"""IPAM and the cross-pod L3 plan: pure decisions."""
from __future__ import annotations

import ipaddress
import random

import pytest

from tricircle.core import errors
from tricircle.network import ipam, l3

ip = ipaddress.ip_address


def test_default_pools_are_every_host_but_the_gateway() -> None:
    net = ipam.parse_cidr("10.0.1.0/24")
    pools = ipam.pools_for(net, ipam.default_gateway(net), None)
    assert [p.as_dict() for p in pools] == [{"start": "10.0.1.2", "end": "10.0.1.254"}]
    mid = ipam.pools_for(net, ip("10.0.1.100"), None)
    assert [p.as_dict() for p in mid] == [{"start": "10.0.1.1", "end": "10.0.1.99"},
                                          {"start": "10.0.1.101", "end": "10.0.1.254"}]
    assert [p.as_dict() for p in ipam.pools_for(net, None, None)] == [
        {"start": "10.0.1.1", "end": "10.0.1.254"}]


@pytest.mark.parametrize(("pools", "error"), [
    ([{"start": "10.0.1.10", "end": "10.0.2.10"}], errors.BadRequest),  # beyond the cidr
    ([{"start": "10.0.1.1", "end": "10.0.1.20"}], errors.Conflict),  # holds the gateway
    ([{"start": "10.0.1.10", "end": "10.0.1.20"}, {"start": "10.0.1.15", "end": "10.0.1.30"}],
     errors.BadRequest),  # overlapping
    ([{"start": "x", "end": "10.0.1.20"}], errors.BadRequest),
    ([{"end": "10.0.1.20"}], errors.BadRequest),
])
def test_bad_pools_are_refused(pools: list, error: type) -> None:
    net = ipam.parse_cidr("10.0.1.0/24")
    with pytest.raises(error):
        ipam.pools_for(net, ip("10.0.1.1"), pools)


@pytest.mark.parametrize("cidr", ["10.0.1.1/24", "10.0.0.0/33", "nonsense", "::1/200"])
def test_bad_cidrs_are_400(cidr: str) -> None:
    with pytest.raises(errors.BadRequest):
        ipam.parse_cidr(cidr)


def test_allocation_takes_the_lowest_free_or_the_one_asked() -> None:
    pools = [ipam.Pool(ip("10.0.0.2"), ip("10.0.0.4"))]
    used = {ip("10.0.0.2")}
    assert ipam.allocate(pools, used) == ip("10.0.0.3")
    assert ipam.allocate(pools, used, ip("10.0.0.4")) == ip("10.0.0.4")
    with pytest.raises(errors.Conflict):
        ipam.allocate(pools, used, ip("10.0.0.2"))
    with pytest.raises(errors.Conflict):
        ipam.allocate(pools, {ip("10.0.0.2"), ip("10.0.0.3"), ip("10.0.0.4")})


def test_macs() -> None:
    mac = ipam.random_mac(random.Random(1))
    assert mac.startswith("fa:16:3e:") and ipam.valid_mac(mac.upper()) == mac
    for bad in ("fa:16:3e:00:00", "zz:16:3e:00:00:00", "01:00:5e:00:00:01"):
        with pytest.raises(errors.BadRequest):
            ipam.valid_mac(bad)


def test_vlans_are_unique_and_run_out() -> None:
    assert l3.pick_vlan((2001, 2003), [2001, 2003]) == 2002
    with pytest.raises(errors.Conflict):
        l3.pick_vlan((2001, 2002), [2001, 2002])


def test_bridge_cidrs_avoid_other_bridges_and_tenant_cidrs() -> None:
    assert l3.pick_bridge_cidr("100.0.0.0/9", [], []) == "100.0.0.0/24"
    assert l3.pick_bridge_cidr("100.0.0.0/9", ["100.0.0.0/24"], ["100.0.1.0/25"]) == \
        "100.0.2.0/24"
    assert l3.pick_bridge_cidr("100.0.0.0/9", [], ["100.0.0.0/16"]) == "100.1.0.0/24"
    with pytest.raises(errors.Conflict):
        l3.pick_bridge_cidr("100.0.0.0/23", ["100.0.0.0/24", "100.0.1.0/24"], [])
    assert l3.bridge_conflicts("100.0.0.0/24", "100.0.0.128/25")
    assert not l3.bridge_conflicts("100.0.0.0/24", "10.0.0.0/24")
    assert not l3.bridge_conflicts(None, "100.0.0.0/24")


def test_routes_reach_every_other_pods_cidrs_through_its_bridge_ip() -> None:
    attached = {"Pod1": ["10.0.1.0/24"], "Pod2": ["10.0.2.0/24", "10.0.3.0/24"],
                "Pod3": ["10.0.4.0/24"]}
    bridge = {"Pod1": "100.0.0.2", "Pod2": "100.0.0.3", "Pod3": "100.0.0.4"}
    routes = l3.extra_routes(attached, bridge)
    assert routes["Pod1"] == [
        {"destination": "10.0.2.0/24", "nexthop": "100.0.0.3"},
        {"destination": "10.0.3.0/24", "nexthop": "100.0.0.3"},
        {"destination": "10.0.4.0/24", "nexthop": "100.0.0.4"}]
    assert routes["Pod3"] == [
        {"destination": "10.0.1.0/24", "nexthop": "100.0.0.2"},
        {"destination": "10.0.2.0/24", "nexthop": "100.0.0.3"},
        {"destination": "10.0.3.0/24", "nexthop": "100.0.0.3"}]
    # Each router's routes never point at itself, and the count grows with the CIDRs
    # attached elsewhere, not with pods squared.
    for pod, rs in routes.items():
        assert all(r["nexthop"] != bridge[pod] for r in rs)
        assert len(rs) == sum(len(c) for p, c in attached.items() if p != pod)


def test_routes_keep_the_users_and_skip_pods_without_a_bridge_yet() -> None:
    user = [{"destination": "192.168.0.0/24", "nexthop": "10.0.1.5"}]
    routes = l3.extra_routes({"Pod1": ["10.0.1.0/24"], "Pod2": ["10.0.2.0/24"]},
                             {"Pod1": "100.0.0.2"}, user)
    assert routes == {"Pod1": user}


def test_a_user_route_reaches_its_nexthop_pod_through_the_bridge() -> None:
    user = [{"destination": "192.168.0.0/24", "nexthop": "10.0.2.5"},
            {"destination": "172.16.0.0/16", "nexthop": "10.9.9.9"}]  # on no interface
    routes = l3.extra_routes({"Pod1": ["10.0.1.0/24"], "Pod2": ["10.0.2.0/24"]},
                             {"Pod1": "100.0.0.2", "Pod2": "100.0.0.3"}, user)
    assert routes == {
        "Pod1": [{"destination": "10.0.2.0/24", "nexthop": "100.0.0.3"},
                 {"destination": "192.168.0.0/24", "nexthop": "100.0.0.3"}],
        "Pod2": [{"destination": "10.0.1.0/24", "nexthop": "100.0.0.2"},
                 {"destination": "192.168.0.0/24", "nexthop": "10.0.2.5"}]}
