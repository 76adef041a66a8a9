"""Cross-pod L3 on the testbed: routers joined through RegionOne (openstacksdk against the
running tricircle-api and tricircle-xjob), checked in the pods' real Neutron."""
from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from tb import layout, pod, procs

from tests.testbed.test_spine import openstack, openstack_error, openstack_ok, openstack_quiet

# Routers of the demo project and VLANs on the bridge: one at a time (pytest-xdist).
pytestmark = pytest.mark.xdist_group("vlans")

PODS = ("pod1", "pod2")
JOBS_URL = f"http://{layout.HOST}:{layout.TRICIRCLE_PORT}/v1.0/jobs"


def wait_for(what: str, check: Callable[[], object], timeout: float = 120.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def router_jobs(cloud: Callable, router_id: str) -> list[dict]:
    resp = cloud("tricircle").session.get(JOBS_URL, params={"resource_key": router_id})
    return resp.json()["jobs"]


def converged(cloud: Callable, router_id: str) -> None:
    """Every job of the router done (a failed one fails the test with its error)."""
    def done() -> bool:
        states = router_jobs(cloud, router_id)
        failed = [j["last_error"] for j in states if j["status"] == "FAIL"]
        assert not failed, failed
        return all(j["status"] == "SUCCESS" for j in states)
    wait_for(f"router {router_id} to converge", done)


@dataclass
class Bottom:
    """What a pod's Neutron holds for a top router."""
    router: object
    ports: dict  # top id (the bottom port's name) -> bottom port
    bridge_net: object | None
    bridge_subnet: object | None


def bottom(cloud: Callable, pod_cloud: str, router_id: str, bridge_port_ip: bool = True
           ) -> Bottom | None:
    net = cloud(pod_cloud).network
    found = list(net.routers(name=router_id))
    if not found:
        return None
    assert len(found) == 1, f"{len(found)} bottom routers for {router_id} in {pod_cloud}"
    ports = {p.name: p for p in net.ports(device_id=found[0].id)}
    bridge = [net.get_network(p.network_id) for p in ports.values()
              if net.get_network(p.network_id).provider_network_type == "vlan"]
    bridge_net = bridge[0] if bridge else None
    bridge_subnet = net.get_subnet(bridge_net.subnet_ids[0]) if bridge_net else None
    return Bottom(found[0], ports, bridge_net, bridge_subnet)


def make_net(top, name: str, az: str | None, cidr: str, cleanup: Callable) -> tuple:
    hints = {"availability_zone_hints": [az]} if az else {}
    network = top.network.create_network(name=name, **hints)
    cleanup(lambda: top.network.delete_network(network, ignore_missing=True))
    sub = top.network.create_subnet(network_id=network.id, ip_version=4, cidr=cidr)
    cleanup(lambda: top.network.delete_subnet(sub, ignore_missing=True))
    return network, sub


def make_router(top, name: str, cleanup: Callable):
    router = top.network.create_router(name=name)

    def undo() -> None:
        for port in top.network.ports(device_id=router.id):
            top.network.remove_interface_from_router(router, port=port.id)
        top.network.delete_router(router, ignore_missing=True)
    cleanup(undo)
    return router


def interface_port(top, router, subnet) -> object:
    return next(p for p in top.network.ports(device_id=router.id)
                if p.fixed_ips[0]["subnet_id"] == subnet.id)


def gone_everywhere(cloud: Callable, router_id: str, names: set[str]) -> bool:
    for pod_cloud in PODS:
        net = cloud(pod_cloud).network
        if list(net.routers(name=router_id)):
            return False
        if names & {p.name for p in net.ports()}:
            return False
    return True


def test_two_pods_one_router(cloud: Callable, unique: str, cleanup: Callable) -> None:
    top = cloud("tricircle-demo")
    _, sub1 = make_net(top, f"{unique}-1", "az1", "10.0.1.0/24", cleanup)
    net2, sub2 = make_net(top, f"{unique}-2", "az2", "10.0.2.0/24", cleanup)
    router = make_router(top, unique, cleanup)
    top.network.add_interface_to_router(router, subnet=sub1.id)
    by_port = top.network.create_port(network_id=net2.id,
                                      fixed_ips=[{"subnet_id": sub2.id,
                                                  "ip_address": "10.0.2.1"}])
    top.network.add_interface_to_router(router, port=by_port.id)
    converged(cloud, router.id)

    b1, b2 = (bottom(cloud, p, router.id) for p in PODS)
    # The tenant interfaces: the top ports' IPs and MACs, in the network's pod only.
    for b, sub in ((b1, sub1), (b2, sub2)):
        top_port = interface_port(top, router, sub)
        made = b.ports[top_port.id]
        assert made.mac_address == top_port.mac_address
        assert made.fixed_ips[0]["ip_address"] == top_port.fixed_ips[0]["ip_address"]
        assert len(b.ports) == 2  # the tenant interface and the bridge port
    # The bridge: one VLAN and one CIDR in both pods, a bridge IP of its own per pod.
    assert b1.bridge_net.provider_segmentation_id == b2.bridge_net.provider_segmentation_id
    assert layout.BRIDGE_VLANS[0] <= b1.bridge_net.provider_segmentation_id <= \
        layout.BRIDGE_VLANS[1]
    assert b1.bridge_net.provider_physical_network == layout.BRIDGE_PHYSNET
    assert b1.bridge_subnet.cidr == b2.bridge_subnet.cidr
    assert not b1.bridge_subnet.is_dhcp_enabled
    def marked() -> bool:  # every copy carries our mark (set once the job is done)
        return all("tricircle" in o.tags for b in (bottom(cloud, p, router.id) for p in PODS)
                   for o in (b.router, b.bridge_net, b.bridge_subnet, *b.ports.values()))
    wait_for("the copies to be marked as ours", marked, timeout=30)
    ip1, ip2 = ({p.fixed_ips[0]["ip_address"] for p in b.ports.values()
                 if p.network_id == b.bridge_net.id}.pop() for b in (b1, b2))
    assert ip1 != ip2
    assert ipaddress.ip_address(ip1) in ipaddress.ip_network(b1.bridge_subnet.cidr)
    # Each pod reaches the other's tenant CIDR through the other's bridge IP.
    assert b1.router.routes == [{"destination": "10.0.2.0/24", "nexthop": ip2}]
    assert b2.router.routes == [{"destination": "10.0.1.0/24", "nexthop": ip1}]

    # A user route: as given where its nexthop lives, through the bridge elsewhere.
    route = {"destination": "192.168.5.0/24", "nexthop": "10.0.2.50"}
    top.network.add_extra_routes_to_router(router, {"router": {"routes": [route]}})
    converged(cloud, router.id)
    b1, b2 = (bottom(cloud, p, router.id) for p in PODS)
    assert sorted(b1.router.routes, key=str) == sorted(
        [{"destination": "10.0.2.0/24", "nexthop": ip2},
         {"destination": "192.168.5.0/24", "nexthop": ip2}], key=str)
    assert sorted(b2.router.routes, key=str) == sorted(
        [{"destination": "10.0.1.0/24", "nexthop": ip1}, route], key=str)
    top.network.remove_extra_routes_from_router(router, {"router": {"routes": [route]}})

    # Removal undoes everything: no bottom router, port or bridge of this router left.
    names = {*b1.ports, *b2.ports}
    top.network.remove_interface_from_router(router, subnet=sub1.id)
    converged(cloud, router.id)
    b1, b2 = (bottom(cloud, p, router.id) for p in PODS)
    assert b1 is None and b2.router.routes == []
    top.network.remove_interface_from_router(router, port=by_port.id)
    top.network.delete_router(router)
    wait_for("the bottom objects to go", lambda: gone_everywhere(cloud, router.id, names))

    def vlan_released() -> bool:
        # Once the project's last router is gone. Another test's router of the project,
        # running beside this one, keeps the bridge: then there is nothing to check here
        # (the churn test checks the release with no other test beside it).
        if any(r.id != router.id and list(top.network.ports(device_id=r.id))
               for r in top.network.routers()):
            return True
        return all(b2.bridge_net.provider_segmentation_id not in {
            n.provider_segmentation_id for n in cloud(pod_cloud).network.networks()
            if n.provider_network_type == "vlan"} for pod_cloud in PODS)
    wait_for("the project's bridge VLAN to be released", vlan_released, timeout=60)


def test_a_half_made_bridge_in_a_pod_is_made_again(cloud: Callable, unique: str,
                                                  cleanup: Callable) -> None:
    """What router churn once left in Pod2 (the project's bridge network without its
    subnet): the next router of the project remakes what is missing instead of failing.
    In project alt: no other test running beside it gives alt a router (the bridge is
    the project's, and this test breaks it)."""
    top = cloud("tricircle-alt")
    _, sub1 = make_net(top, f"{unique}-1", "az1", "10.0.21.0/24", cleanup)
    _, sub2 = make_net(top, f"{unique}-2", "az2", "10.0.22.0/24", cleanup)
    first = make_router(top, f"{unique}-a", cleanup)
    top.network.add_interface_to_router(first, subnet=sub1.id)
    top.network.add_interface_to_router(first, subnet=sub2.id)
    converged(cloud, first.id)
    b2 = bottom(cloud, "pod2", first.id)
    pod2 = cloud("pod2").network
    [bridge_port] = [p for p in b2.ports.values() if p.network_id == b2.bridge_net.id]
    # The project's bridge is shared: wait until an earlier test's router has left Pod2.
    wait_for("this router's bridge port alone on the bridge", lambda: [
        p.id for p in pod2.ports(network_id=b2.bridge_net.id)
        if not p.device_owner.startswith("network:dhcp")] == [bridge_port.id], timeout=90)
    pod2.update_router(b2.router, routes=[])  # Neutron keeps an interface a route needs
    pod2.remove_interface_from_router(b2.router, port_id=bridge_port.id)
    pod2.delete_port(bridge_port)
    pod2.delete_subnet(b2.bridge_subnet)
    assert pod2.get_network(b2.bridge_net.id).subnet_ids == []

    _, sub3 = make_net(top, f"{unique}-3", "az2", "10.0.23.0/24", cleanup)
    second = make_router(top, f"{unique}-b", cleanup)
    top.network.add_interface_to_router(second, subnet=sub3.id)
    converged(cloud, second.id)  # no job FAILed
    again = bottom(cloud, "pod2", second.id)
    assert again.bridge_net.id == b2.bridge_net.id and again.bridge_subnet is not None
    [port] = [p for p in again.ports.values() if p.network_id == again.bridge_net.id]
    assert port.fixed_ips[0]["subnet_id"] == again.bridge_subnet.id


def test_a_routers_admin_state_reaches_its_bottom_routers(cloud: Callable, unique: str,
                                                          cleanup: Callable) -> None:
    top = cloud("tricircle-demo")
    _, sub1 = make_net(top, f"{unique}-1", "az1", "10.0.31.0/24", cleanup)
    _, sub2 = make_net(top, f"{unique}-2", "az2", "10.0.32.0/24", cleanup)
    router = make_router(top, unique, cleanup)
    top.network.add_interface_to_router(router, subnet=sub1.id)
    top.network.add_interface_to_router(router, subnet=sub2.id)
    converged(cloud, router.id)
    for state in (False, True):
        top.network.update_router(router, admin_state_up=state)
        converged(cloud, router.id)
        assert [bottom(cloud, p, router.id).router.is_admin_state_up for p in PODS] == [
            state, state]


def test_a_network_without_az_hint_is_refused_and_nothing_is_made(
        cloud: Callable, unique: str, cleanup: Callable) -> None:
    top = cloud("tricircle-demo")
    _, sub = make_net(top, unique, None, "10.0.3.0/24", cleanup)
    router = make_router(top, unique, cleanup)
    with pytest.raises(Exception) as err:
        top.network.add_interface_to_router(router, subnet=sub.id)
    assert getattr(err.value, "status_code", None) == 400
    assert "availability zone hint" in str(err.value)
    assert list(top.network.ports(device_id=router.id)) == []
    assert router_jobs(cloud, router.id) == []
    assert all(bottom(cloud, p, router.id) is None for p in PODS)


def test_two_projects_get_their_own_bridges(cloud: Callable, unique: str,
                                            cleanup: Callable) -> None:
    """The same tenant CIDRs in two projects: different VLANs and bridge CIDRs, and each
    project's routes name only its own bridge."""
    seen = {}
    for cloud_name in ("tricircle-demo", "tricircle"):
        top = cloud(cloud_name)
        _, sub1 = make_net(top, f"{unique}-1", "az1", "10.0.1.0/24", cleanup)
        _, sub2 = make_net(top, f"{unique}-2", "az2", "10.0.2.0/24", cleanup)
        router = make_router(top, unique, cleanup)
        for sub in (sub1, sub2):
            top.network.add_interface_to_router(router, subnet=sub.id)
        seen[cloud_name] = router
    for router in seen.values():
        converged(cloud, router.id)
    demo, admin = ((bottom(cloud, "pod1", r.id), bottom(cloud, "pod2", r.id))
                   for r in seen.values())
    assert demo[0].bridge_net.provider_segmentation_id != \
        admin[0].bridge_net.provider_segmentation_id
    assert demo[0].bridge_subnet.cidr != admin[0].bridge_subnet.cidr
    for b1, b2 in (demo, admin):
        for b, other in ((b1, b2), (b2, b1)):
            hops = {r["nexthop"] for r in b.router.routes}
            assert hops and all(ipaddress.ip_address(h) in
                                ipaddress.ip_network(b.bridge_subnet.cidr) for h in hops)
            assert b.router.project_id == b.bridge_net.project_id
            assert b.bridge_net.id != other.bridge_net.id


def test_concurrent_interface_adds(cloud: Callable, unique: str, cleanup: Callable) -> None:
    top = cloud("tricircle-demo")
    subs = [make_net(top, f"{unique}-{i}", f"az{1 + i % 2}", f"10.1.{i}.0/24", cleanup)[1]
            for i in range(4)]
    router = make_router(top, unique, cleanup)
    failures: list[Exception] = []

    def add(sub) -> None:
        try:
            top.network.add_interface_to_router(router, subnet=sub.id)
        except Exception as err:  # noqa: BLE001
            failures.append(err)

    threads = [threading.Thread(target=add, args=(sub,)) for sub in subs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    converged(cloud, router.id)
    b1, b2 = (bottom(cloud, p, router.id) for p in PODS)
    assert len(b1.ports) == len(b2.ports) == 3
    ip2 = {p.fixed_ips[0]["ip_address"] for p in b2.ports.values()
           if p.network_id == b2.bridge_net.id}.pop()
    assert sorted(r["destination"] for r in b1.router.routes) == ["10.1.1.0/24", "10.1.3.0/24"]
    assert {r["nexthop"] for r in b1.router.routes} == {ip2}


@pytest.mark.disruptive  # stops Pod2's Neutron
def test_a_pod_down_during_interface_add_converges_when_it_returns(
        cloud: Callable, unique: str, cleanup: Callable) -> None:
    top = cloud("tricircle-demo")
    _, sub1 = make_net(top, f"{unique}-1", "az1", "10.2.1.0/24", cleanup)
    _, sub2 = make_net(top, f"{unique}-2", "az2", "10.2.2.0/24", cleanup)
    router = make_router(top, unique, cleanup)
    pod2 = layout.Pod(2)
    procs.stop("pod2-neutron-api")
    try:
        for sub in (sub1, sub2):  # the top accepts; the job waits for the pod
            top.network.add_interface_to_router(router, subnet=sub.id)
        wait_for("the job to report the pod", lambda: any(
            "Pod2" in (j["last_error"] or "") for j in router_jobs(cloud, router.id)))
        assert top.network.get_router(router.id).status == "ALLOCATING"
    finally:
        pod.start(pod2)
        pod.wait_apis(pod2)
    converged(cloud, router.id)
    b1, b2 = (bottom(cloud, p, router.id) for p in PODS)
    assert len(b1.ports) == len(b2.ports) == 2
    assert [r["destination"] for r in b1.router.routes] == ["10.2.2.0/24"]
    assert [r["destination"] for r in b2.router.routes] == ["10.2.1.0/24"]
    assert top.network.get_router(router.id).status == "ACTIVE"


def test_three_pods(cloud: Callable, unique: str, cleanup: Callable) -> None:
    """Each pod routes to the two others; a pod that leaves is removed from the others'
    routes and holds nothing of the router."""
    pods = layout.saved_pods()
    assert len(pods) >= 3, "three pods are needed: testbed/up --pods 3 (bin/test does so)"
    top = cloud("tricircle-demo")
    subs = {p.key: make_net(top, f"{unique}-{p.index}", p.az, f"10.3.{p.index}.0/24",
                            cleanup)[1] for p in pods[:3]}
    router = make_router(top, unique, cleanup)
    for sub in subs.values():
        top.network.add_interface_to_router(router, subnet=sub.id)
    converged(cloud, router.id)
    found = {p.key: bottom(cloud, p.key, router.id) for p in pods[:3]}
    ips = {key: {q.fixed_ips[0]["ip_address"] for q in b.ports.values()
                 if q.network_id == b.bridge_net.id}.pop() for key, b in found.items()}
    assert len(set(ips.values())) == 3
    assert len({b.bridge_net.provider_segmentation_id for b in found.values()}) == 1
    for key, b in found.items():
        want = sorted((subs[other].cidr, ips[other]) for other in found if other != key)
        assert sorted((r["destination"], r["nexthop"]) for r in b.router.routes) == want

    leaving = pods[1].key
    top.network.remove_interface_from_router(router, subnet=subs[leaving].id)
    converged(cloud, router.id)
    assert bottom(cloud, leaving, router.id) is None
    assert not list(cloud(leaving).network.networks(name=subs[leaving].network_id))
    for key in (pods[0].key, pods[2].key):
        other = pods[2].key if key == pods[0].key else pods[0].key
        b = bottom(cloud, key, router.id)
        assert [(r["destination"], r["nexthop"]) for r in b.router.routes] == [
            (subs[other].cidr, ips[other])]


def test_routers_with_the_cli(cloud: Callable, unique: str, cleanup: Callable) -> None:
    demo = "tricircle-demo"
    net = openstack(demo, "network", "create", "--availability-zone-hint", "az1", unique)
    cleanup(lambda: openstack_quiet(demo, "network", "delete", net["id"]))
    sub = openstack(demo, "subnet", "create", "--network", net["id"], "--subnet-range",
                    "10.4.0.0/24", unique)
    router = openstack(demo, "router", "create", unique)
    cleanup(lambda: openstack_quiet(demo, "router", "delete", router["id"]))
    openstack_ok(demo, "router", "add", "subnet", router["id"], sub["id"])
    cleanup(lambda: openstack_quiet(demo, "router", "remove", "subnet", router["id"],
                                    sub["id"]))
    openstack_ok(demo, "router", "set", "--route", "destination=192.168.9.0/24,"
                 "gateway=10.4.0.9", router["id"])
    shown = openstack(demo, "router", "show", router["id"])
    assert shown["availability_zones"] == ["az1"]
    assert [i["subnet_id"] for i in shown["interfaces_info"]] == [sub["id"]]
    assert shown["routes"] == [{"destination": "192.168.9.0/24", "nexthop": "10.4.0.9"}]
    err = openstack_error(demo, "router", "delete", router["id"])
    assert "409" in err or "still has ports" in err
    converged(cloud, router["id"])
    assert bottom(cloud, "pod1", router["id"]).router.routes == [
        {"destination": "192.168.9.0/24", "nexthop": "10.4.0.9"}]
    openstack_ok(demo, "router", "unset", "--route", "destination=192.168.9.0/24,"
                 "gateway=10.4.0.9", router["id"])
    openstack_ok(demo, "router", "remove", "subnet", router["id"], sub["id"])
    openstack_ok(demo, "router", "delete", router["id"])
    wait_for("the bottom router to go", lambda: bottom(cloud, "pod1", router["id"]) is None)
