"""Faults injected into real processes while jobs run: tricircle-xjob killed with SIGKILL,
a pod's Neutron stopped, a pod's Neutron hung (SIGSTOP) past the client timeout. After
recovery every job is SUCCESS, the pods hold exactly what the top says (one copy of each
object), and the reconciler finds the pod in sync. docs/faults.md has the table."""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import pytest
from tb import layout, pod, procs
from tb import tricircle as tb_tricircle

from tests.testbed.test_l3 import (
    JOBS_URL,
    bottom,
    converged,
    make_net,
    make_router,
    router_jobs,
    wait_for,
)
from tests.testbed.test_reconcile import reconcile

# Kills and stops shared processes: runs alone, after the parallel part (bin/test).
pytestmark = pytest.mark.disruptive


def wait_running(cloud: Callable, router_id: str) -> str:
    """The id of the router's job once it runs (polled closely: a setup takes ~2 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = [j["id"] for j in router_jobs(cloud, router_id) if j["status"] == "RUNNING"]
        if running:
            return running[0]
        time.sleep(0.05)
    raise AssertionError("the router's job never ran")


def in_sync(cloud: Callable, pod_name: str) -> None:
    """Nothing missing, failing or orphaned in the pod, by the reconciler's count."""
    sync = reconcile(cloud, pod_name)
    bad = {rtype: counts for rtype, counts in sync["resources"].items()
           if counts["missing"] or counts["failing"] or counts["orphaned"]}
    assert not bad, sync


def router_in_pod1(cloud: Callable, unique: str, cleanup: Callable, n: int) -> tuple:
    """After a reconciler pass over Pod2 (what earlier tests left is repaired first): a
    router converged in Pod1, and a subnet in az2 to bring Pod2 in under the fault."""
    reconcile(cloud, "Pod2")
    top = cloud("tricircle-demo")
    _, sub1 = make_net(top, f"{unique}-1", "az1", f"10.15.{n}.0/24", cleanup)
    _, sub2 = make_net(top, f"{unique}-2", "az2", f"10.15.{n + 1}.0/24", cleanup)
    router = make_router(top, unique, cleanup)
    top.network.add_interface_to_router(router, subnet=sub1.id)
    converged(cloud, router.id)
    return top, router, sub2


def test_xjob_killed_mid_setup(cloud: Callable, unique: str, cleanup: Callable) -> None:
    top, router, sub2 = router_in_pod1(cloud, unique, cleanup, 1)
    top.network.add_interface_to_router(router, subnet=sub2.id)
    job_id = wait_running(cloud, router.id)
    procs.stop("tricircle-xjob", sig=signal.SIGKILL)
    started = time.monotonic()
    procs.start("tricircle-xjob", [tb_tricircle.bin("tricircle-xjob"), "--config-file",
                                   str(tb_tricircle.CONF)])
    # Its lease expires, the sweeper hands the job to the new process, which finds what
    # the dead one made (by name) instead of making it twice.
    converged(cloud, router.id)
    print(f"converged {time.monotonic() - started:.1f} s after the kill")
    job = cloud("tricircle").session.get(f"{JOBS_URL}/{job_id}").json()["job"]
    assert (job["status"], job["attempts"]) == ("SUCCESS", 2), job  # killed, then re-run
    b1, b2 = (bottom(cloud, p, router.id) for p in ("pod1", "pod2"))  # one router each
    assert b2 is not None and len(b2.ports) == 2 and b1.router.routes and b2.router.routes
    in_sync(cloud, "Pod2")


def test_a_pods_neutron_stopped_under_a_sync(cloud: Callable, unique: str,
                                             cleanup: Callable) -> None:
    reconcile(cloud, "Pod2")  # whatever earlier tests left is repaired first
    top, pod2 = cloud("tricircle-demo"), cloud("pod2").network
    net, sub = make_net(top, unique, "az2", "10.15.3.0/24", cleanup)
    router = make_router(top, unique, cleanup)
    top.network.add_interface_to_router(router, subnet=sub.id)
    converged(cloud, router.id)
    procs.stop("pod2-neutron-api")
    try:
        top.network.update_network(net, description="changed while Pod2 was down")
        admin = cloud("tricircle").session

        def tried() -> bool:
            jobs = admin.get(JOBS_URL, params={"resource_key": net.id}).json()["jobs"]
            return any(j["last_error"] and "Pod2" in j["last_error"] for j in jobs)
        wait_for("the sync to fail on Pod2", tried, timeout=60)
    finally:
        pod.start(layout.Pod(2))
        pod.wait_apis(layout.Pod(2))
    def followed() -> bool:
        found = [n.description for n in pod2.networks(name=net.id)]
        print("copies:", found)
        return found == ["changed while Pod2 was down"]
    wait_for("the copy to follow", followed, timeout=60)
    in_sync(cloud, "Pod2")


def test_a_pods_neutron_hung_past_the_timeout(cloud: Callable, unique: str,
                                              cleanup: Callable) -> None:
    top, router, sub2 = router_in_pod1(cloud, unique, cleanup, 4)
    neutron = procs.read_pid("pod2-neutron-api")
    os.killpg(neutron, signal.SIGSTOP)
    try:
        top.network.add_interface_to_router(router, subnet=sub2.id)

        def timed_out() -> bool:
            return any(j["last_error"] and "Pod2" in j["last_error"]
                       for j in router_jobs(cloud, router.id))
        wait_for("the job to give up on the hung pod", timed_out, timeout=120)
    finally:
        os.killpg(neutron, signal.SIGCONT)
    converged(cloud, router.id)
    b2 = bottom(cloud, "pod2", router.id)
    assert b2 is not None and len(b2.ports) == 2 and b2.router.routes
    in_sync(cloud, "Pod2")
