"""Servers booted on top networks with the `openstack` CLI: the network, subnet and port
are made in the server's pod with the top's IP and MAC; the port goes with the server."""
from __future__ import annotations

from collections.abc import Callable

from tests.testbed.test_compute import IMAGE
from tests.testbed.test_l3 import wait_for
from tests.testbed.test_spine import openstack, openstack_error, openstack_ok, openstack_quiet

DEMO = "tricircle-demo"


def test_boot_on_a_network_and_on_a_port(flavor: str, cloud: Callable, unique: str,
                                         cleanup: Callable) -> None:
    net = openstack(DEMO, "network", "create", "--availability-zone-hint", "az2", unique)
    cleanup(lambda: openstack_quiet(DEMO, "network", "delete", net["id"]))
    sub = openstack(DEMO, "subnet", "create", "--network", net["id"], "--subnet-range",
                    "10.9.0.0/24", unique)
    cleanup(lambda: openstack_quiet(DEMO, "subnet", "delete", sub["id"]))
    mine = openstack(DEMO, "port", "create", "--network", net["id"], "--fixed-ip",
                     "ip-address=10.9.0.50", unique)
    cleanup(lambda: openstack_quiet(DEMO, "port", "delete", mine["id"]))

    server = openstack(DEMO, "server", "create", "--flavor", flavor, "--image", IMAGE,
                       "--availability-zone", "az2", "--network", net["id"], "--nic",
                       f"port-id={mine['id']}", "--wait", unique)
    cleanup(lambda: openstack_quiet(DEMO, "server", "delete", "--wait", server["id"]))
    assert server["status"] == "ACTIVE"
    # Addresses are shown by the top network's name, both ports on it.
    shown = openstack(DEMO, "server", "show", server["id"])
    addresses = shown["addresses"]
    assert list(addresses) == [unique] and "10.9.0.50" in addresses[unique], addresses
    # ... and so by Nova's ips sub-resource, whole or by network name.
    compute = cloud("tricircle-demo").compute
    ips = compute.get(f"/servers/{server['id']}/ips").json()["addresses"]
    assert list(ips) == [unique] and {a["addr"] for a in ips[unique]} >= {"10.9.0.50"}
    one = compute.get(f"/servers/{server['id']}/ips/{unique}").json()
    assert list(one) == [unique] and one[unique] == ips[unique]
    assert compute.get(f"/servers/{server['id']}/ips/nothing-{unique}").status_code == 404
    top_ports = openstack(DEMO, "port", "list", "--server", server["id"], "--long")
    assert len(top_ports) == 2
    pod2 = cloud("pod2-demo").network
    for port in top_ports:
        made = pod2.get_port(next(pod2.ports(name=port["ID"])).id)
        assert made.mac_address == port["MAC Address"]
        assert made.fixed_ips[0]["ip_address"] in str(port["Fixed IP Addresses"])
        assert made.device_id == server["id"] and made.binding_vif_type != "binding_failed"
        # Marked as ours, like its network: the audit may only ever remove what is.
        wait_for("the copies to be marked", lambda made=made: "tricircle" in pod2.get_port(
            made.id).tags and "tricircle" in pod2.get_network(made.network_id).tags)
    assert not list(cloud("pod1-demo").network.networks(name=net["id"]))  # only in its pod

    # A network hinted to az2 cannot take a server of az1.
    err = openstack_error(DEMO, "server", "create", "--flavor", flavor, "--image", IMAGE,
                          "--availability-zone", "az1", "--network", net["id"], unique)
    assert "400" in err and "availability zone" in err
    # Nor can a port already in use; a network that does not exist is a 400.
    err = openstack_error(DEMO, "server", "create", "--flavor", flavor, "--image", IMAGE,
                          "--availability-zone", "az2", "--nic", f"port-id={mine['id']}",
                          unique)
    assert "409" in err

    # Deleting the server deletes the port made for it and frees the user's port.
    openstack_ok(DEMO, "server", "delete", "--wait", server["id"])
    left = openstack(DEMO, "port", "list", "--network", net["id"])
    assert [p["ID"] for p in left] == [mine["id"]]
    assert openstack(DEMO, "port", "show", mine["id"])["device_id"] == ""
    made_for_it = {p["ID"] for p in top_ports} - {mine["id"]}
    wait_for("the pod's copy of the server's port to go", lambda: not any(
        list(pod2.ports(name=p)) for p in made_for_it))


def test_boot_several_servers_on_a_network(flavor: str, cloud: Callable, unique: str,
                                           cleanup: Callable) -> None:
    """min_count/max_count as Nova does them: each server its own port, named name-N; a
    reservation id when asked; a given port or fixed IP cannot be shared (400)."""
    net = openstack(DEMO, "network", "create", "--availability-zone-hint", "az1", unique)
    cleanup(lambda: openstack_quiet(DEMO, "network", "delete", net["id"]))
    sub = openstack(DEMO, "subnet", "create", "--network", net["id"], "--subnet-range",
                    "10.9.1.0/24", unique)
    cleanup(lambda: openstack_quiet(DEMO, "subnet", "delete", sub["id"]))
    compute = cloud("tricircle-demo").compute
    image = cloud("tricircle-demo").image.find_image(IMAGE).id
    flavor_id = cloud("tricircle-demo").compute.find_flavor(flavor).id
    boot = {"name": unique, "imageRef": image, "flavorRef": flavor_id,
            "availability_zone": "az1", "networks": [{"uuid": net["id"]}]}

    def servers() -> list[dict]:
        return [s for s in compute.get("/servers/detail").json()["servers"]
                if s["name"].startswith(unique)]

    def delete_all() -> None:
        for s in servers():
            compute.delete(f"/servers/{s['id']}")
    cleanup(delete_all)

    # A boot that the pod refuses after the ports were made frees them; the next boot
    # takes the same address at once (the refused boot's copy is still in the pod).
    bad = compute.post("/servers", json={"server": {**boot, "flavorRef": "no-such"}})
    assert bad.status_code == 400, bad.text
    resp = compute.post("/servers", json={"server": {**boot, "min_count": 2}})
    assert resp.status_code == 202, resp.text
    assert "reservation_id" not in resp.json() and resp.json()["server"]["id"]
    wait_for("two servers ACTIVE", lambda: sorted(
        (s["name"], s["status"]) for s in servers()) == [
        (f"{unique}-1", "ACTIVE"), (f"{unique}-2", "ACTIVE")], timeout=120)
    addresses = {a["addr"] for s in servers() for a in s["addresses"][unique]}
    assert len(addresses) == 2, addresses
    ports = openstack(DEMO, "port", "list", "--network", net["id"], "--device-owner",
                      "compute:az1")
    assert len(ports) == 2

    resp = compute.post("/servers", json={"server": {
        **boot, "name": f"{unique}-r", "max_count": 2, "return_reservation_id": True}})
    assert resp.status_code == 202, resp.text
    assert list(resp.json()) == ["reservation_id"] and resp.json()["reservation_id"]
    wait_for("four servers", lambda: len(servers()) == 4, timeout=120)

    port = openstack(DEMO, "port", "create", "--network", net["id"], f"{unique}-p")
    cleanup(lambda: openstack_quiet(DEMO, "port", "delete", port["id"]))
    for networks, words in (([{"port": port["id"]}], "single configured port ID"),
                            ([{"uuid": net["id"], "fixed_ip": "10.9.1.77"}], "fixed_ip")):
        err = compute.post("/servers", json={"server": {**boot, "networks": networks,
                                                        "max_count": 3}})
        assert err.status_code == 400 and words in err.json()["badRequest"]["message"]
    err = compute.post("/servers", json={"server": {**boot, "min_count": 3, "max_count": 2}})
    assert err.status_code == 400 and "min_count must be <= max_count" in err.text
    for bad in ({"min_count": "two"}, {"max_count": 0}, {"return_reservation_id": "maybe"}):
        err = compute.post("/servers", json={"server": {**boot, **bad}})
        assert err.status_code == 400 and "badRequest" in err.json(), (bad, err.text)
    assert len(servers()) == 4

    delete_all()
    wait_for("the servers' ports to go", lambda: not openstack(
        DEMO, "port", "list", "--network", net["id"], "--device-owner", "compute:az1"))
