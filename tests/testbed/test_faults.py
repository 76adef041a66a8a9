"""The fault matrix: each job type that writes to a pod, under each fault, on real
processes. A job is started against Pod2 while the fault holds; once the job has met it
the fault is lifted, and then every job involved must end SUCCESS, Pod2 must hold exactly
what the top says (one copy of each object), and the reconciler must find Pod2 in sync.

Faults: tricircle-xjob SIGKILLed while its job waits on Pod2 (Pod2's Neutron paused, so
the kill lands mid-call; the dead worker's request is carried out once Neutron resumes);
Pod2's Neutron stopped, then started; hung (SIGSTOP) past `[client] timeout`, then
resumed; answering 500 after it did the write (tests/testbed/fault_proxy.py in front of it).

Each cell appends what it measured to .testbed/faults.jsonl; `bin/faults` runs the whole
matrix and prints the table of docs/faults.md. bin/test (and CI) runs the cells marked
`ci`; the others are marked `matrix`.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from tb import layout, pod, procs
from tb import tricircle as tb_tricircle

from tests.testbed.fault_proxy import FaultProxy
from tests.testbed.test_compute import IMAGE
from tests.testbed.test_l3 import (
    JOBS_URL,
    bottom,
    converged,
    interface_port,
    make_net,
    make_router,
    wait_for,
)
from tests.testbed.test_reconcile import PODS_URL, reconcile

# Kills and stops shared processes: runs alone, after the parallel part (bin/test).
pytestmark = pytest.mark.disruptive
RESULTS = layout.STATE / "faults.jsonl"
POD2 = layout.Pod(2)


def jobs_of(cloud: Callable, keys: list[str]) -> list[dict]:
    admin = cloud("tricircle").session
    return [j for key in keys
            for j in admin.get(JOBS_URL, params={"resource_key": key}).json()["jobs"]]


def in_sync(cloud: Callable, pod_name: str) -> None:
    """Nothing missing, failing or orphaned in the pod, by the reconciler's count, once
    no job is pending (an earlier cell's teardown may be retrying after this cell's
    fault: its router is orphaned until then)."""
    admin = cloud("tricircle").session

    def quiet() -> bool:
        return not any(admin.get(JOBS_URL, params={"status": status}).json()["jobs"]
                       for status in ("NEW", "RUNNING"))
    wait_for("every pending job to be done", quiet, timeout=120)
    sync = reconcile(cloud, pod_name)
    bad = {rtype: counts for rtype, counts in sync["resources"].items()
           if counts["missing"] or counts["failing"] or counts["orphaned"]}
    assert not bad, sync


def restart_xjob(sig: int = signal.SIGTERM,
                 names: tuple[str, ...] = tb_tricircle.XJOBS) -> None:
    """Stop the tricircle-xjob processes `names` (every one by default) and start them."""
    for name in names:
        procs.stop(name, sig=sig)
        procs.start(name, [tb_tricircle.bin("tricircle-xjob"), "--config-file",
                           str(tb_tricircle.CONF)])


def xjob_running(jobs: list[dict]) -> str:
    """The testbed's name of the tricircle-xjob process whose worker runs one of `jobs`
    (a lease owner is host:pid:worker)."""
    owners = {int(j["lease_owner"].split(":")[1]) for j in jobs
              if j["status"] == "RUNNING" and j.get("lease_owner")}
    return next(name for name in tb_tricircle.XJOBS if procs.read_pid(name) in owners)


# -- the jobs (rows) ---------------------------------------------------------------------

@dataclass
class Case:
    """One row's objects: `act` starts the job(s) against Pod2, keyed by `keys`; `check`
    reads Pod2 back."""
    top: object
    keys: list[str] = field(default_factory=list)
    act: Callable[[], None] = lambda: None
    check: Callable[[], None] = lambda: None


def spanning_router(cloud: Callable, unique: str, cleanup: Callable, n: int,
                    join_pod2: bool) -> tuple:
    """After a reconciler pass over Pod2 (what earlier tests left is repaired first): a
    router converged in Pod1 and a subnet in az2, joined to it if `join_pod2`."""
    reconcile(cloud, "Pod2")
    top = cloud("tricircle-demo")
    _, sub1 = make_net(top, f"{unique}-1", "az1", f"10.15.{n}.0/24", cleanup)
    net2, sub2 = make_net(top, f"{unique}-2", "az2", f"10.15.{n + 1}.0/24", cleanup)
    router = make_router(top, unique, cleanup)
    top.network.add_interface_to_router(router, subnet=sub1.id)
    if join_pod2:
        top.network.add_interface_to_router(router, subnet=sub2.id)
    converged(cloud, router.id)
    return top, router, net2, sub2


def setup_router(cloud: Callable, unique: str, cleanup: Callable, n: int, *_: str) -> Case:
    top, router, _, sub2 = spanning_router(cloud, unique, cleanup, n, join_pod2=False)

    def check() -> None:
        b1, b2 = (bottom(cloud, p, router.id) for p in ("pod1", "pod2"))  # one router each
        assert b2 is not None and len(b2.ports) == 2, b2
        assert b1.router.routes and b2.router.routes
    return Case(top, [router.id],
                lambda: top.network.add_interface_to_router(router, subnet=sub2.id), check)


def configure_routes(cloud: Callable, unique: str, cleanup: Callable, n: int, *_: str
                     ) -> Case:
    top, router, _, _ = spanning_router(cloud, unique, cleanup, n, join_pod2=True)
    route = {"destination": f"10.16.{n}.0/24", "nexthop": f"10.15.{n + 1}.50"}
    cleanup(lambda: top.network.update_router(router, routes=[]))  # before its interfaces

    def check() -> None:
        assert route in bottom(cloud, "pod2", router.id).router.routes
    return Case(top, [router.id], lambda: top.network.update_router(router, routes=[route]),
                check)


def delete_bottom(cloud: Callable, unique: str, cleanup: Callable, n: int, *_: str) -> Case:
    top, router, _, sub2 = spanning_router(cloud, unique, cleanup, n, join_pod2=True)
    port = interface_port(top, router, sub2)

    def check() -> None:
        pod2 = cloud("pod2").network
        assert not list(pod2.ports(name=port.id)), "the interface's copy is left in Pod2"
        assert not list(pod2.routers(name=router.id)), "a router is left in Pod2"
    admin = cloud("tricircle").session
    pod2 = next(p["pod_id"] for p in admin.get(PODS_URL).json()["pods"]
                if p["pod_name"] == "Pod2")
    # The router's teardown in Pod2 and the interface copy's removal (delete_bottom's
    # key: pod, type, top id).
    return Case(top, [router.id, f"{pod2},port,{port.id}"],
                lambda: top.network.remove_interface_from_router(router, subnet=sub2.id),
                check)


def sync_copy(cloud: Callable, unique: str, cleanup: Callable, n: int, fault: str, *_: str
              ) -> Case:
    top, _, net2, _ = spanning_router(cloud, unique, cleanup, n, join_pod2=True)
    text = f"changed under {fault}"

    def check() -> None:
        assert [c.description for c in cloud("pod2").network.networks(name=net2.id)] == [text]
    return Case(top, [net2.id], lambda: top.network.update_network(net2, description=text),
                check)


def sync_security_group(cloud: Callable, unique: str, cleanup: Callable, n: int, _: str,
                        flavor: str) -> Case:
    """A group copied to Pod2 by a server booted there; a new rule must follow."""
    reconcile(cloud, "Pod2")
    top = cloud("tricircle-demo")
    group = top.network.create_security_group(name=unique)
    cleanup(lambda: top.network.delete_security_group(group, ignore_missing=True))
    net, _ = make_net(top, unique, "az2", f"10.15.{n}.0/24", cleanup)
    flavor = top.compute.find_flavor(flavor, ignore_missing=False)
    image = top.image.find_image(IMAGE, ignore_missing=False)
    server = top.compute.create_server(
        name=unique, flavor_id=flavor.id, image_id=image.id, availability_zone="az2",
        networks=[{"uuid": net.id}], security_groups=[{"name": group.id}])

    def undo() -> None:
        top.compute.delete_server(server, ignore_missing=True)
        top.compute.wait_for_delete(server)
    cleanup(undo)
    top.compute.wait_for_server(server)
    pod2 = cloud("pod2").network

    def rules() -> set:
        (copy,) = pod2.security_groups(name=group.id)
        return {(r.protocol, r.port_range_min)
                for r in pod2.security_group_rules(security_group_id=copy.id)}
    assert ("tcp", 2222) not in rules()

    def check() -> None:
        assert ("tcp", 2222) in rules()
    return Case(top, [group.id], lambda: top.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=2222, port_range_max=2222), check)


# -- the faults (columns) ----------------------------------------------------------------

def met_on_pod2(cloud: Callable, keys: list[str]) -> bool:
    return any(j["last_error"] and "Pod2" in j["last_error"] for j in jobs_of(cloud, keys))


@contextlib.contextmanager
def pod2_neutron_paused() -> Iterator[None]:
    """Pod2's neutron-server SIGSTOPped (it takes connections, answers nothing) until the
    block ends."""
    neutron = procs.read_pid("pod2-neutron-api")
    os.killpg(neutron, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(neutron, signal.SIGCONT)


@contextlib.contextmanager
def worker_killed(cloud: Callable, case: Case) -> Iterator[float]:
    with pod2_neutron_paused():
        case.act()
        wait_for("a job to run", lambda: any(
            j["status"] == "RUNNING" for j in jobs_of(cloud, case.keys)), timeout=30)
        time.sleep(1)  # now waiting on Pod2
        # The process running it, whichever of the two it is.
        restart_xjob(signal.SIGKILL, (xjob_running(jobs_of(cloud, case.keys)),))
    yield time.monotonic()


@contextlib.contextmanager
def neutron_stopped(cloud: Callable, case: Case) -> Iterator[float]:
    procs.stop("pod2-neutron-api")
    try:
        case.act()
        wait_for("the job to meet the stopped pod", lambda: met_on_pod2(cloud, case.keys),
                 timeout=60)
    finally:
        pod.start(POD2)
        pod.wait_apis(POD2)
    yield time.monotonic()


@contextlib.contextmanager
def neutron_hung(cloud: Callable, case: Case) -> Iterator[float]:
    with pod2_neutron_paused():
        case.act()
        wait_for("the job to give up on the hung pod", lambda: met_on_pod2(cloud, case.keys),
                 timeout=120)
    yield time.monotonic()


@contextlib.contextmanager
def error_after_write(cloud: Callable, case: Case) -> Iterator[float]:
    """Pod2's network endpoint in the catalog moved to the proxy (tricircle-xjob restarted
    to read it) until the jobs are done; `testbed/up` would also put it back."""
    identity = cloud("tricircle").identity
    service = identity.find_service("neutron", ignore_missing=False)
    (endpoint,) = identity.endpoints(service_id=service.id, region_id="Pod2",
                                     interface="public")
    real = endpoint.url  # (the sdk updates `endpoint` in place)
    with FaultProxy(real, r"(POST|PUT|DELETE) /v2\.0/") as proxy:
        identity.update_endpoint(endpoint, url=proxy.url)
        try:
            restart_xjob()
            case.act()
            wait_for("a write to be done, then failed", lambda: proxy.fired, timeout=60)
            print("failed after done:", proxy.fired)
            yield time.monotonic()
        finally:
            identity.update_endpoint(endpoint, url=real)
            restart_xjob()


ROWS = {f.__name__: f for f in (setup_router, configure_routes, delete_bottom, sync_copy,
                                 sync_security_group)}
FAULTS = {f.__name__: f for f in (worker_killed, neutron_stopped, neutron_hung,
                                   error_after_write)}
# What bin/test (CI) runs of the matrix: one cell per fault (~2 min in all).
CI = {("setup_router", "worker_killed"), ("setup_router", "neutron_hung"),
      ("sync_copy", "neutron_stopped"), ("delete_bottom", "error_after_write")}
CELLS = [(row, fault) for row in ROWS for fault in FAULTS]


@pytest.mark.parametrize("row,fault", [
    pytest.param(row, fault, id=f"{row}-{fault}",
                 marks=() if (row, fault) in CI else (pytest.mark.matrix,))
    for row, fault in CELLS])
def test_a_job_survives_a_fault(row: str, fault: str, cloud: Callable, unique: str,
                                cleanup: Callable, flavor: str) -> None:
    n = 2 * CELLS.index((row, fault))  # the cell's own CIDRs
    case = ROWS[row](cloud, unique, cleanup, n, fault, flavor)
    with FAULTS[fault](cloud, case) as recovered:
        def done() -> bool:
            states = jobs_of(cloud, case.keys)
            failed = [j["last_error"] for j in states if j["status"] == "FAIL"]
            assert not failed, failed
            return all(j["status"] == "SUCCESS" for j in states)
        wait_for(f"{row}'s jobs to be done", done, timeout=180)
        seconds = time.monotonic() - recovered
        case.check()
        in_sync(cloud, "Pod2")
    states = jobs_of(cloud, case.keys)
    cell = {"job": row, "fault": fault, "seconds": round(seconds, 1),
            "attempts": max(j["attempts"] for j in states), "jobs": len(states),
            "when": time.strftime("%F")}
    print(cell)
    with RESULTS.open("a") as out:
        out.write(json.dumps(cell) + "\n")
