"""Concurrent creates on one network through RegionOne (as Terraform's parallelism does),
across both tricircle-api workers: every one succeeds, no address twice. The top's IPAM
takes one subnet's addresses one request at a time (networks.py: _allocations)."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tests.testbed.test_compute import IMAGE
from tests.testbed.test_l3 import make_net, wait_for


def test_concurrent_port_creates_and_boots_get_distinct_addresses(
        flavor: str, cloud: Callable, unique: str, cleanup: Callable) -> None:
    top = cloud("tricircle-demo")
    net, sub = make_net(top, unique, "az1", "10.86.0.0/24", cleanup)

    def create_port(i: int) -> object:
        try:
            return top.network.create_port(network_id=net.id, name=f"{unique}-{i}")
        except Exception as err:  # noqa: BLE001 - what each concurrent client got
            return err

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(create_port, range(20)))
    made = [p for p in answers if not isinstance(p, Exception)]
    for port in made:
        cleanup(lambda port=port: top.network.delete_port(port, ignore_missing=True))
    assert len(made) == 20, [str(e) for e in answers if isinstance(e, Exception)]
    addresses = [p.fixed_ips[0]["ip_address"] for p in made]
    assert len(set(addresses)) == 20, addresses

    compute = top.compute
    image = top.image.find_image(IMAGE).id
    flavor_id = top.compute.find_flavor(flavor).id

    def boot(i: int) -> object:
        return compute.post("/servers", json={"server": {
            "name": f"{unique}-s{i}", "imageRef": image, "flavorRef": flavor_id,
            "availability_zone": "az1", "networks": [{"uuid": net.id}]}})

    def servers() -> list[dict]:
        return [s for s in compute.get("/servers/detail").json()["servers"]
                if s["name"].startswith(f"{unique}-s")]

    def delete_all() -> None:
        for s in servers():
            compute.delete(f"/servers/{s['id']}")
        wait_for("the servers to go", lambda: not servers(), timeout=180)
    cleanup(delete_all)
    with ThreadPoolExecutor(max_workers=10) as pool:
        booted = list(pool.map(boot, range(10)))
    assert [r.status_code for r in booted] == [202] * 10, [r.text for r in booted
                                                          if r.status_code != 202]
    ports = list(top.network.ports(network_id=net.id))
    addresses = [p.fixed_ips[0]["ip_address"] for p in ports]
    assert len(ports) == 30 and len(set(addresses)) == 30, addresses
    assert sub.id == ports[0].fixed_ips[0]["subnet_id"]
