"""Check-then-insert races, closed by row locks (tricircle.core.db.lock): requests racing
through the real WSGI app on SQLite and on PostgreSQL; one wins, the others get a clear
4xx, and the state is what one request alone would have made."""
from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from tests.api.test_network_api import NET, net, subnet
from tests.api.test_router_api import add, network, router
from tests.apiclient import make_pods
from tests.conftest import both_databases
from tricircle.core import db
from tricircle.core.db.models import RouterPort, SecurityGroupRule, Subnet

RACERS = 6


def race(calls: list[Callable[[], tuple[int, dict]]]) -> list[int]:
    """Run the calls at once; their statuses."""
    start = threading.Barrier(len(calls))
    out: list[int] = [0] * len(calls)

    def run(i: int) -> None:
        start.wait()
        out[i] = calls[i]()[0]
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def count(model, *where) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


@both_databases
def test_overlapping_subnets_on_one_network(api) -> None:
    make_pods(api)
    n = net(api, availability_zone_hints=["az1"])
    statuses = race([lambda i=i: api("POST", f"{NET}/subnets", {"subnet": {
        "network_id": n["id"], "ip_version": 4, "cidr": f"10.0.{i}.0/16"}}, as_="demo")
        for i in range(RACERS)])
    assert sorted(statuses) == [201] + [400] * (RACERS - 1), statuses
    assert count(Subnet, Subnet.network_id == n["id"]) == 1


@both_databases
def test_overlapping_subnets_on_one_router(api) -> None:
    make_pods(api)
    r = router(api)
    # Each on its own network (allowed), each overlapping every other (10.1.0.0/24, /25...).
    subs = [subnet(api, network(api, ["az1"])["id"], f"10.1.0.0/{24 + i}")
            for i in range(RACERS)]
    statuses = race([lambda s=s: add(api, r["id"], subnet_id=s["id"]) for s in subs])
    assert sorted(statuses) == [200] + [400] * (RACERS - 1), statuses
    assert count(RouterPort, RouterPort.router_id == r["id"]) == 1


@both_databases
def test_the_same_rule_twice(api) -> None:
    make_pods(api)
    group = api("POST", f"{NET}/security-groups", {"security_group": {"name": "g"}},
                as_="demo")[1]["security_group"]
    body = {"security_group_rule": {"security_group_id": group["id"], "direction": "ingress",
                                    "protocol": "tcp", "port_range_min": 22,
                                    "port_range_max": 22}}
    statuses = race([lambda: api("POST", f"{NET}/security-group-rules", body, as_="demo")
                     for _ in range(RACERS)])
    assert sorted(statuses) == [201] + [409] * (RACERS - 1), statuses
    assert count(SecurityGroupRule, SecurityGroupRule.security_group_id == group["id"],
                 SecurityGroupRule.protocol == "tcp") == 1


@both_databases
def test_one_port_given_to_two_boots(api, pods) -> None:
    make_pods(api)
    n = net(api, availability_zone_hints=["az1"])
    subnet(api, n["id"], "10.2.0.0/24")
    port = api("POST", f"{NET}/ports", {"port": {"network_id": n["id"]}},
               as_="demo")[1]["port"]
    from tricircle.compute import server_ports  # noqa: PLC0415

    made: list[str] = []
    # The pod's copy of the port is not this test's subject (the pods are in memory).
    real_bottom = server_ports.bottom_ports
    server_ports.bottom_ports = lambda ctx, pod, reserved: (
        made.append(reserved[0][0]) or [{"port": "b-" + reserved[0][0]}])
    try:
        statuses = race([lambda i=i: api("POST", "/compute/v2.1/servers", {"server": {
            "name": f"s{i}", "flavorRef": "1", "availability_zone": "az1",
            "networks": [{"port": port["id"]}]}}, as_="demo") for i in range(RACERS)])
    finally:
        server_ports.bottom_ports = real_bottom
    assert sorted(statuses) == [202] + [409] * (RACERS - 1), statuses
    assert len(made) == 1 and len(pods["Pod1"].items["server"]) == 1
    shown = api("GET", f"{NET}/ports/{port['id']}", as_="demo")[1]["port"]
    assert shown["device_id"] == next(iter(pods["Pod1"].items["server"]))
