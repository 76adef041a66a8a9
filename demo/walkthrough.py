"""The walkthrough: what an operator and a user do with Tricircle, replayed on the testbed.

Each step prints what it verified; any failure stops with a non-zero exit.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "testbed"))

from tb import clouds, dataplane, layout, tricircle  # noqa: E402


def check(ok: bool, what: str) -> None:
    print(f"  {'ok ' if ok else 'FAILED'} {what}")
    if not ok:
        raise SystemExit(1)


def wait(what: str, done, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while not (got := done()):
        if time.monotonic() > deadline:
            check(False, f"{what} (timed out)")
        time.sleep(1)
    return got


def two_pods(admin, demo, pods) -> None:
    """The seed's walkthrough: two networks in two AZs, a server on each, one router."""
    flavor = admin.compute.find_flavor("walkthrough") or admin.compute.create_flavor(
        name="walkthrough", ram=64, vcpus=1, disk=1)
    image = next(demo.image.images(name=layout.IMAGE_NAME))
    made: list = []  # undo steps, last first
    try:
        print("User (demo) in RegionOne: net1 in az1, net2 in az2, a server on each")
        servers = {}
        for i, pod in enumerate(pods[:2], start=1):
            net = demo.network.create_network(name=f"walk-net{i}",
                                              availability_zone_hints=[pod.az])
            made.append(lambda net=net: demo.network.delete_network(net))
            sub = demo.network.create_subnet(network_id=net.id, ip_version=4,
                                             cidr=f"10.0.{i}.0/24", name=f"walk-sub{i}")
            server = demo.compute.create_server(
                name=f"walk-vm{i}", flavor_id=flavor.id, image_id=image.id,
                networks=[{"uuid": net.id}], availability_zone=pod.az)
            made.append(lambda server=server: (demo.compute.delete_server(server),
                                               demo.compute.wait_for_delete(server)))
            servers[pod.key] = (net, sub, server)
        for pod in pods[:2]:
            net, sub, server = servers[pod.key]
            server = demo.compute.wait_for_server(server)
            top_port = next(demo.network.ports(device_id=server.id))
            ip, mac = top_port.fixed_ips[0]["ip_address"], top_port.mac_address
            bottom = next(clouds.connect(pod.key).network.ports(device_id=server.id))
            check(bottom.mac_address == mac and bottom.fixed_ips[0]["ip_address"] == ip,
                  f"{server.name} ACTIVE in {pod.region} on {net.name}: {ip} {mac}, the "
                  "same IP and MAC in the pod as at the top")
            servers[pod.key] = (net, sub, server, ip)

        print("User: router R joins both subnets")
        router = demo.network.create_router(name="walk-router")
        made.append(lambda: demo.network.delete_router(router))
        for pod in pods[:2]:
            demo.network.add_interface_to_router(router, subnet=servers[pod.key][1].id)
            made.append(lambda pod=pod: demo.network.remove_interface_from_router(
                router, subnet=servers[pod.key][1].id))
        wait("routes to converge", lambda: demo.network.get_router(router.id).status
             == "ACTIVE")
        check(True, f"router {router.id} converged (status ACTIVE)")

        print("In each pod: the bottom router, its bridge and its routes")
        bridge_ips = {}
        for pod in pods[:2]:
            pod_net = clouds.connect(pod.key).network
            b_router = next(pod_net.routers(name=router.id))
            for port in pod_net.ports(device_id=b_router.id):
                net = pod_net.get_network(port.network_id)
                if net.provider_network_type == "vlan":
                    bridge_ips[pod.key] = port.fixed_ips[0]["ip_address"]
                    check(True, f"{pod.region}: bridge port {bridge_ips[pod.key]} on VLAN "
                          f"{net.provider_segmentation_id} ({net.provider_physical_network})")
                else:
                    check(port.fixed_ips[0]["ip_address"] == servers[pod.key][1].gateway_ip,
                          f"{pod.region}: interface {port.fixed_ips[0]['ip_address']} on "
                          f"{servers[pod.key][0].name}")
            servers[pod.key] += (b_router,)
        for pod, other in (pods[:2], pods[1::-1]):
            routes = servers[pod.key][4].routes
            want = [{"destination": servers[other.key][1].cidr,
                     "nexthop": bridge_ips[other.key]}]
            check(routes == want, f"{pod.region}: route {routes[0]['destination']} via "
                  f"{routes[0]['nexthop']} (the other pod's bridge IP)" if routes else
                  f"{pod.region}: routes {routes}")

        print("Data plane (namespaces built from the pods' Neutron state)")
        boxes = dataplane.read_pods(pods)
        dataplane.build(boxes)
        try:
            ip1, ip2 = servers[pods[0].key][3], servers[pods[1].key][3]
            check(dataplane.ping(boxes, ip1, ip2), f"walk-vm1 {ip1} pings walk-vm2 {ip2}")
            demo.network.remove_interface_from_router(router, subnet=servers[pods[1].key][1].id)
            made.pop()
            wait("routes to converge", lambda: demo.network.get_router(router.id).status
                 == "ACTIVE")
            boxes = dataplane.read_pods(pods)
            dataplane.build(boxes)
            check(not dataplane.ping(boxes, ip1, ip2, tries=1),
                  "after net2's interface is removed, the ping fails")
        finally:
            dataplane.clean()
    finally:
        print("Cleaning up")
        for undo in reversed(made):
            undo()
    names = {router.id}
    wait("the pods to hold nothing of the router", lambda: all(
        not names & {r.name for r in clouds.connect(p.key).network.routers()}
        for p in pods))
    check(True, "no bottom router left in any pod")


def main() -> int:
    admin = clouds.connect("tricircle")
    demo = clouds.connect("tricircle-demo")
    pods = layout.saved_pods()

    print("Operator: the pods behind RegionOne (admin API, /v1.0/pods)")
    registered = admin.session.get(tricircle.API_URL + "/v1.0/pods").json()["pods"]
    for pod in registered:
        print(f"  {pod['pod_name']:10} az={pod['az_name'] or '(top)'}")
    check({p["pod_name"] for p in registered} == {layout.TOP_REGION, *(p.region for p in pods)},
          "the top region and every pod are registered")

    print("User (demo) in RegionOne: availability zones")
    zones = sorted({z.name for z in demo.compute.availability_zones()})
    check(zones == sorted({p.az for p in pods}), f"compute shows {zones}")
    print("Operator in RegionOne: host aggregates")
    aggregates = sorted((a.name, a.availability_zone) for a in admin.compute.aggregates())
    check(aggregates == [(f"ag_{p.region}", p.az) for p in pods], f"{aggregates}")

    two_pods(admin, demo, pods)

    print("Each pod is a real cloud of its own")
    for p in pods:
        conn = clouds.connect(p.key)
        hosts = [h.name for h in conn.compute.hypervisors()]
        check(bool(hosts), f"{p.region}: compute hosts {hosts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
