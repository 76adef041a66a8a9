"""A pod that is down: lists fail fast naming it (no hang, no silent partial page);
what lives in the other pods still answers."""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import pytest
from tb import layout, pod, procs

from tests.testbed.test_compute import IMAGE
from tests.testbed.test_l3 import wait_for
from tests.testbed.test_reconcile import PODS_URL
from tests.testbed.test_spine import (
    _cli,
    openstack,
    openstack_error,
    openstack_ok,
    openstack_quiet,
)
from tricircle.core import health

# Stops a pod's nova-api: runs alone, after the parallel part (bin/test).
pytestmark = pytest.mark.disruptive


def test_a_list_with_a_pod_down_is_a_clear_503(flavor: str, unique: str,
                                               cleanup: Callable) -> None:
    server = openstack("tricircle-demo", "server", "create", "--flavor", flavor, "--image",
                       IMAGE, "--availability-zone", "az1", "--no-network", "--wait", unique)
    cleanup(lambda: openstack_quiet("tricircle-demo", "server", "delete", server["id"]))
    pod2 = layout.Pod(2)
    procs.stop("pod2-nova-api")
    try:
        err = openstack_error("tricircle-demo", "server", "list")
        assert "503" in err and "Pod2" in err and "incomplete" in err, err
        # The pod that is up still serves what lives in it.
        assert openstack("tricircle-demo", "server", "show", server["id"])["id"] == server["id"]
    finally:
        pod.start(pod2)
        pod.wait_apis(pod2)
    # Lists are whole again once the probes see Pod2 back ([health] threshold results
    # in a row, from either xjob process), not the moment its API answers.
    wait_for("a whole list again", lambda: _cli(
        "tricircle-demo", ("server", "list", "--name", unique)).returncode == 0, timeout=60)
    listed = openstack("tricircle-demo", "server", "list", "--name", unique)
    assert [s["ID"] for s in listed] == [server["id"]]


def test_a_keypair_deleted_while_a_pod_is_down_goes_there_too(cloud: Callable,
                                                              unique: str) -> None:
    openstack("tricircle-demo", "keypair", "create", "--private-key", "/dev/null", unique)
    assert cloud("pod2-demo").compute.find_keypair(unique) is not None
    pod2 = layout.Pod(2)
    procs.stop("pod2-nova-api")
    try:
        openstack_ok("tricircle-demo", "keypair", "delete", unique)
        assert cloud("pod1-demo").compute.find_keypair(unique) is None
    finally:
        pod.start(pod2)
        pod.wait_apis(pod2)
    wait_for("the job to delete the keypair in Pod2",
             lambda: cloud("pod2-demo").compute.find_keypair(unique) is None)


def test_health_shows_a_pods_service_down_then_up_again(cloud: Callable) -> None:
    """tricircle-xjob's probes ([health] on the testbed: every 2 s, 2 in a row): Pod2's
    nova-api stopped is `down` on the admin API, with its error; restarted, `up`."""
    admin = cloud("tricircle").session

    def health(pod_name: str) -> dict:
        listed = admin.get(PODS_URL).json()["pods"]
        return next(p for p in listed if p["pod_name"] == pod_name)["health"]
    wait_for("Pod2's compute up", lambda: health("Pod2").get("compute", {}).get(
        "state") == "up", timeout=30)
    pod2 = layout.Pod(2)
    procs.stop("pod2-nova-api")
    try:
        down = wait_for("Pod2's compute down", lambda: (
            h := health("Pod2")["compute"])["state"] == "down" and h, timeout=30)
        assert down["last_error"] and down["last_change"] and down["last_checked"]
        assert health("Pod2")["network"]["state"] == "up"  # per service
        assert health("Pod1")["compute"]["state"] == "up"
    finally:
        pod.start(pod2)
        pod.wait_apis(pod2)
    wait_for("Pod2's compute up again", lambda: health("Pod2")["compute"]["state"] == "up",
             timeout=30)


def pod2_seen_down(cloud: Callable, service: str) -> None:
    """Until the probes found Pod2's `service` down, and tricircle-api has read it (it
    reads health at most every second)."""
    wait_for(f"Pod2's {service} down", lambda: next(
        p for p in cloud("tricircle").session.get(PODS_URL).json()["pods"]
        if p["pod_name"] == "Pod2")["health"][service]["state"] == "down", timeout=30)
    time.sleep(health.CACHE_SECONDS + 0.2)


def test_lists_degrade_by_rule_while_a_pod_is_down_or_hung(flavor: str, cloud: Callable,
                                                           unique: str,
                                                           cleanup: Callable) -> None:
    """Pod2's nova-api hung (SIGSTOP): a list at 2.69 answers within [client]
    list_deadline (3 s on the testbed) + 10%, Pod2's servers as UNKNOWN; then stopped
    (health: down): the same without waiting, 2.1 is the 503 of `fail`; back: full."""
    servers = {az: openstack("tricircle-demo", "server", "create", "--flavor", flavor,
                             "--image", IMAGE, "--availability-zone", az, "--no-network",
                             "--wait", f"{unique}-{az}")["id"] for az in ("az1", "az2")}
    for server_id in servers.values():
        cleanup(lambda s=server_id: openstack_quiet("tricircle-demo", "server", "delete", s))
    compute = cloud("tricircle-demo").compute

    def listed(version: str) -> tuple[int, dict, float]:
        started = time.monotonic()
        resp = compute.get("/servers/detail", microversion=version)
        return resp.status_code, resp.json(), time.monotonic() - started

    def statuses(body: dict) -> dict:
        return {s["id"]: s["status"] for s in body["servers"] if s["id"] in servers.values()}

    nova = procs.read_pid("pod2-nova-api")
    os.killpg(nova, signal.SIGSTOP)
    try:
        status, body, took = listed("2.69")
        assert status == 200 and took <= 3 * 1.1, (status, took)
        assert statuses(body) == {servers["az1"]: "ACTIVE", servers["az2"]: "UNKNOWN"}
    finally:
        os.killpg(nova, signal.SIGCONT)
    pod2 = layout.Pod(2)
    procs.stop("pod2-nova-api")
    try:
        pod2_seen_down(cloud, "compute")
        status, body, took = listed("2.69")
        assert status == 200 and took < 2, (status, took)  # Pod2 is not even asked
        assert statuses(body)[servers["az2"]] == "UNKNOWN"
        shown = compute.get(f"/servers/{servers['az2']}", microversion="2.69").json()
        assert shown["server"]["status"] == "UNKNOWN"
        status, body, _ = listed("2.1")
        assert status == 503 and "Pod2" in body["serviceUnavailable"]["message"]
    finally:
        pod.start(pod2)
        pod.wait_apis(pod2)
    wait_for("full lists again", lambda: listed("2.69")[0] == 200 and set(
        statuses(listed("2.69")[1]).values()) == {"ACTIVE"}, timeout=60)


def test_volume_lists_degrade_by_rule_while_a_pods_cinder_is_down(
        cloud: Callable, unique: str, cleanup: Callable) -> None:
    """Cinder has no UNKNOWN records: with Pod2's cinder-api down (health: down), a volume
    list is the 503 of `fail` at once, naming Pod2; Pod1's volumes still answer."""
    storage = cloud("tricircle-demo").block_storage
    mine = storage.create_volume(size=1, name=unique, availability_zone="az1")
    cleanup(lambda: storage.delete_volume(mine.id, ignore_missing=True))
    storage.wait_for_status(mine, "available", wait=60)
    pod2 = layout.Pod(2)
    procs.stop("pod2-cinder-api")
    try:
        pod2_seen_down(cloud, "volumev3")
        started = time.monotonic()
        resp = storage.get("/volumes/detail")
        assert resp.status_code == 503 and "Pod2" in resp.text, resp.text
        assert time.monotonic() - started < 2  # not asked: no wait for it
        assert storage.get(f"/volumes/{mine.id}").json()["volume"]["id"] == mine.id
    finally:
        pod.start(pod2)
        pod.wait_apis(pod2)
    wait_for("volume lists again", lambda: storage.get("/volumes/detail").status_code == 200,
             timeout=60)
