"""Bridge allocation under races, on SQLite and PostgreSQL: every project gets its own
VLAN and CIDR, each router one bridge IP per pod, and a project keeps what it has."""
from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import select

from tests.conftest import both_databases
from tricircle.core import db
from tricircle.core.db.models import Bridge, Pod
from tricircle.network import routers


def race(n: int, work: Callable[[int], object]) -> list:
    got: list = []
    failures: list[Exception] = []

    def one(i: int) -> None:
        try:
            got.append(work(i))
        except Exception as err:  # noqa: BLE001 - reported below
            failures.append(err)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    return got


@both_databases
def test_concurrent_projects_get_distinct_bridges(database: str) -> None:
    def allocate(i: int) -> tuple[int, str]:
        with db.transaction() as s:
            bridge = routers.ensure_bridge(s, f"project-{i % 6}")
            return bridge.vlan, bridge.cidr

    got = race(12, allocate)  # two requests per project
    assert len(set(got)) == 6
    assert len({v for v, _ in got}) == len({c for _, c in got}) == 6
    with db.transaction() as s:
        assert len(list(s.scalars(select(Bridge)))) == 6


@both_databases
def test_bridge_cidr_avoids_the_projects_subnets_and_ips_are_unique(database: str) -> None:
    from tricircle.core.db.models import Network, Subnet  # noqa: PLC0415

    with db.transaction() as s:
        s.add(Network(id="n", project_id="p", az_hints=["az1"]))
        s.flush()
        s.add(Subnet(network_id="n", project_id="p", ip_version=4, cidr="100.0.0.0/16"))
        s.add(Pod(pod_id="pod-a", pod_name="A", az_name="az1"))
        s.add(Pod(pod_id="pod-b", pod_name="B", az_name="az1"))
    with db.transaction() as s:
        bridge = routers.ensure_bridge(s, "p")
    assert bridge.cidr == "100.1.0.0/24"  # the first /24 clear of 100.0.0.0/16

    def port(i: int) -> tuple[str, str, str]:
        with db.transaction() as s:
            b = routers.ensure_bridge_port(s, bridge, f"router-{i % 4}",
                                           ("pod-a", "pod-b")[i % 2])
            return b.router_id, b.pod_id, b.ip_address

    got = set(race(16, port))
    assert len(got) == 4 and len({ip for _, _, ip in got}) == 4
