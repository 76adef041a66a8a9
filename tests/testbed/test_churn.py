"""Churn: two projects at once make, join, leave and delete networks and routers across two
pods in a seeded random order (the kind of sequence that once left a project's bridge half
made for good). After it: every router's pods carry exactly the routes the top implies, no
job failed, and once everything is deleted nothing is left in any pod.

CHURN_ROUNDS (default 3) rounds of CHURN_STEPS (default 8) steps per project, the routes
checked after each round; CHURN_SEED picks the sequence (default: one fixed seed, so a
red run names a reproducible case; bin/churn draws new ones)."""
from __future__ import annotations

import datetime as dt
import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from tb import layout

from tests.testbed.test_l3 import PODS, bottom, converged, wait_for

# Looks at whole projects' bridges: runs alone, after the parallel part (bin/test).
pytestmark = pytest.mark.disruptive
API = f"http://{layout.HOST}:{layout.TRICIRCLE_PORT}/v1.0"
AZ_POD = {"az1": "pod1", "az2": "pod2"}


@dataclass
class Project:
    """One project's churn: what it holds at the top now, and every id it ever made."""
    cloud: str
    prefix: int  # its CIDRs are 10.<prefix>.<n>.0/24
    nets: dict = field(default_factory=dict)  # net id -> (subnet, az)
    routers: list = field(default_factory=list)
    attached: dict = field(default_factory=dict)  # subnet id -> router id
    made: set = field(default_factory=set)
    count: int = 0

    def step(self, top, rng: random.Random) -> None:
        free = [s for s, _ in self.nets.values() if s.id not in self.attached]
        choices = ["net"] * 2 * (len(self.nets) < 5) + ["router"] * (len(self.routers) < 2)
        choices += ["attach"] * 5 * bool(free and self.routers)
        choices += ["detach"] * 2 * bool(self.attached) + ["delete_router"] * bool(self.routers)
        choices += ["delete_net"] * bool(free)
        op = rng.choice(choices)
        if op == "net":
            self.count += 1
            az = rng.choice(sorted(AZ_POD))
            net = top.network.create_network(name=f"churn-{self.count}",
                                             availability_zone_hints=[az])
            sub = top.network.create_subnet(network_id=net.id, ip_version=4,
                                            cidr=f"10.{self.prefix}.{self.count}.0/24")
            self.nets[net.id] = (sub, az)
            self.made |= {net.id, sub.id}
        elif op == "router":
            router = top.network.create_router(name="churn")
            self.routers.append(router.id)
            self.made.add(router.id)
        elif op == "attach":
            sub, router = rng.choice(free), rng.choice(self.routers)
            top.network.add_interface_to_router(router, subnet=sub.id)
            self.attached[sub.id] = router
        elif op == "detach":
            sub_id = rng.choice(sorted(self.attached))
            top.network.remove_interface_from_router(self.attached.pop(sub_id), subnet=sub_id)
        elif op == "delete_router":
            self.delete_router(top, rng.choice(self.routers))
        else:
            sub = rng.choice(free)
            top.network.delete_network(sub.network_id)
            del self.nets[sub.network_id]

    def delete_router(self, top, router_id: str) -> None:
        for sub_id in [s for s, r in self.attached.items() if r == router_id]:
            top.network.remove_interface_from_router(router_id, subnet=sub_id)
            del self.attached[sub_id]
        top.network.delete_router(router_id)
        self.routers.remove(router_id)

    def delete_all(self, top) -> None:
        for router_id in list(self.routers):
            self.delete_router(top, router_id)
        for net_id in list(self.nets):
            top.network.delete_network(net_id)
            del self.nets[net_id]


def check_routes(cloud: Callable, project: Project) -> None:
    """Each router's bottom routers: its interfaces there, its bridge port, and a route to
    every other pod's CIDRs through that pod's bridge IP."""
    for router_id in project.routers:
        converged(cloud, router_id)
        cidrs: dict[str, list[str]] = {}
        for sub_id, r in project.attached.items():
            if r == router_id:
                sub, az = next(v for v in project.nets.values() if v[0].id == sub_id)
                cidrs.setdefault(AZ_POD[az], []).append(sub.cidr)
        print(f"{project.cloud}: router {router_id} joins {cidrs}")  # shown if it fails
        found = {pod: bottom(cloud, pod, router_id) for pod in PODS}
        assert {pod for pod, b in found.items() if b} == set(cidrs), (router_id, cidrs)
        bridge_ip = {}
        for pod, b in found.items():
            if b:
                assert len(b.ports) == len(cidrs[pod]) + 1, (router_id, pod, b.ports)
                bridge_ip[pod] = next(p.fixed_ips[0]["ip_address"] for p in b.ports.values()
                                      if p.network_id == b.bridge_net.id)
        for pod, b in found.items():
            if b:
                want = {(c, bridge_ip[other]) for other in cidrs if other != pod
                        for c in cidrs[other]}
                assert {(r["destination"], r["nexthop"]) for r in b.router.routes} == want


def test_two_projects_churning_routers_across_two_pods(cloud: Callable) -> None:
    seed = int(os.environ.get("CHURN_SEED", "20261129"))
    steps = int(os.environ.get("CHURN_STEPS", "8"))
    rounds = int(os.environ.get("CHURN_ROUNDS", "3"))
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()
    projects = [Project("tricircle-demo", 60), Project("tricircle-alt", 61)]
    errors: list[BaseException] = []

    def churn(project: Project, rng: random.Random) -> None:
        top = cloud(project.cloud)
        try:
            for _ in range(steps):
                project.step(top, rng)
        except BaseException as err:  # noqa: BLE001 - reported by the main thread
            errors.append(err)

    rngs = [random.Random(f"{seed}-{i}") for i in range(len(projects))]
    try:
        for _ in range(rounds):
            threads = [threading.Thread(target=churn, args=(p, rng))
                       for p, rng in zip(projects, rngs, strict=True)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors, f"seed {seed}: {errors!r}"
            for project in projects:
                check_routes(cloud, project)
    finally:
        for project in projects:
            project.delete_all(cloud(project.cloud))

    admin = cloud("tricircle").session
    project_ids = [cloud(p.cloud).current_project_id for p in projects]

    def settled() -> bool:
        jobs = [j for project_id in project_ids
                for j in admin.get(f"{API}/jobs", params={"project_id": project_id}
                                   ).json()["jobs"] if j["created_at"] >= start]
        failed = [(j["type"], j["last_error"]) for j in jobs if j["status"] == "FAIL"]
        assert not failed, f"seed {seed}: {failed}"
        return all(j["status"] == "SUCCESS" for j in jobs)
    wait_for("every job of the churn to finish", settled, timeout=300)

    made = set().union(*(p.made for p in projects))
    for pod in PODS:
        net = cloud(pod).network
        left = [o.name for kind in (net.routers, net.networks, net.subnets, net.ports)
                for o in kind() if o.name in made]
        assert not left, f"seed {seed}: left in {pod}: {left}"
    for project_id in project_ids:
        # With no router left in the project (other tests' included), its bridge left
        # every pod, and Tricircle routes nothing there for it.
        if list(cloud("tricircle").network.routers(project_id=project_id)):
            continue
        rows = admin.get(f"{API}/routings", params={
            "project_id": project_id, "resource_type": "bridge_network"}).json()
        assert rows["routings"] == [], f"seed {seed}: {rows}"
        for pod in PODS:
            bridges = list(cloud(pod).network.networks(provider_network_type="vlan",
                                                       project_id=project_id))
            assert not bridges, f"seed {seed}: bridge left in {pod}: {bridges}"
