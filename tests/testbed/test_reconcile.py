"""The reconciler against a real pod: copies changed or deleted behind Tricircle's back are
repaired, and the admin API reports what it found."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from tb import layout

from tests.testbed.test_compute import IMAGE
from tests.testbed.test_l3 import bottom, converged, make_net, make_router, wait_for

# Sweeps a whole pod: runs alone, after the parallel part (bin/test).
pytestmark = pytest.mark.disruptive
PODS_URL = f"http://{layout.HOST}:{layout.TRICIRCLE_PORT}/v1.0/pods"


def reconcile(cloud: Callable, pod_name: str) -> dict:
    """A pass over the pod, on demand, and the jobs it queued done: its report."""
    admin = cloud("tricircle").session
    pod = next(p for p in admin.get(PODS_URL).json()["pods"] if p["pod_name"] == pod_name)
    job = admin.post(f"{PODS_URL}/{pod['pod_id']}/sync").json()["job"]
    jobs_url = PODS_URL.replace("/pods", "/jobs")

    def done() -> bool:
        shown = admin.get(f"{jobs_url}/{job['id']}").json()["job"]
        assert shown["status"] != "FAIL", shown
        return shown["status"] == "SUCCESS"
    wait_for("the reconciler's pass", done)
    return admin.get(f"{PODS_URL}/{pod['pod_id']}/sync").json()["sync"]


def test_the_reconciler_repairs_what_changed_behind_our_back(cloud: Callable, unique: str,
                                                              cleanup: Callable) -> None:
    top, pod1 = cloud("tricircle-demo"), cloud("pod1").network
    net, sub = make_net(top, unique, "az1", "10.13.0.0/24", cleanup)
    top.network.update_network(net, description="as at the top")
    router = make_router(top, unique, cleanup)
    top.network.add_interface_to_router(router, subnet=sub.id)
    converged(cloud, router.id)

    # An operator changes copies in the pod, and deletes the bottom router.
    (b_net,) = pod1.networks(name=net.id)
    pod1.update_network(b_net, description="tampered", is_admin_state_up=False)
    (b_sub,) = pod1.subnets(name=sub.id)
    pod1.set_tags(b_sub, [])  # as copies made before they were marked
    gone = bottom(cloud, "pod1", router.id)
    pod1.update_router(gone.router, routes=[])
    for port in gone.ports.values():
        pod1.remove_interface_from_router(gone.router, port_id=port.id)
    pod1.delete_router(gone.router)

    sync = reconcile(cloud, "Pod1")
    assert sync["resources"]["network"]["repaired"] >= 1, sync
    assert sync["resources"]["subnet"]["repaired"] >= 1, sync
    assert sync["resources"]["router"]["missing"] >= 1, sync
    assert sync["failures"] == [], sync
    converged(cloud, router.id)  # the router was set up again

    def repaired() -> bool:
        (b_net,) = pod1.networks(name=net.id)
        (b_sub,) = pod1.subnets(name=sub.id)
        again = bottom(cloud, "pod1", router.id)
        return ((b_net.description, b_net.is_admin_state_up) == ("as at the top", True)
                and "tricircle" in b_sub.tags
                and again is not None and again.router.id != gone.router.id
                and len(again.ports) == 2)
    wait_for("the copies to be repaired", repaired, timeout=60)
    # Nothing drifts now: a second pass finds this network in sync.
    assert reconcile(cloud, "Pod1")["resources"]["network"]["in_sync"] >= 1


def test_a_server_deleted_in_its_pod_frees_its_ports(flavor: str, cloud: Callable,
                                                     unique: str, cleanup: Callable) -> None:
    top, pod1 = cloud("tricircle-demo"), cloud("pod1")
    net, _ = make_net(top, unique, "az1", "10.14.0.0/24", cleanup)
    mine = top.network.create_port(network_id=net.id)
    cleanup(lambda: top.network.delete_port(mine, ignore_missing=True))
    server = top.compute.create_server(
        name=unique, flavor_id=top.compute.find_flavor(flavor).id,
        image_id=top.image.find_image(IMAGE).id, availability_zone="az1",
        networks=[{"uuid": net.id}, {"port": mine.id}])
    cleanup(lambda: top.compute.delete_server(server, ignore_missing=True))
    top.compute.wait_for_server(server)
    made = [p.id for p in top.network.ports(device_id=server.id) if p.id != mine.id]
    assert len(made) == 1

    pod1.compute.delete_server(server.id)  # behind Tricircle's back
    pod1.compute.wait_for_delete(pod1.compute.get_server(server.id))
    sync = reconcile(cloud, "Pod1")
    assert sync["resources"]["server"]["missing"] >= 1, sync
    assert top.network.find_port(made[0]) is None
    assert top.network.get_port(mine.id).device_id == ""
    wait_for("the copy of the port made for it to leave the pod",
             lambda: not list(pod1.network.ports(name=made[0])))
