"""The walkthrough: what an operator and a user do with Tricircle, replayed on the testbed.

Each step prints what it verified; any failure stops with a non-zero exit.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "testbed"))

from tb import clouds, layout, tricircle  # noqa: E402


def check(ok: bool, what: str) -> None:
    print(f"  {'ok ' if ok else 'FAILED'} {what}")
    if not ok:
        raise SystemExit(1)


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

    print("User (demo) in RegionOne: a network with an AZ hint, its subnet, a port")
    net = demo.network.create_network(name="walkthrough-net", availability_zone_hints=["az1"])
    try:
        sub = demo.network.create_subnet(network_id=net.id, ip_version=4,
                                         cidr="10.77.0.0/24", name="walkthrough-sub")
        port = demo.network.create_port(network_id=net.id, name="walkthrough-port")
        check(net.availability_zone_hints == ["az1"], f"network {net.id} hinted to az1")
        check(sub.gateway_ip == "10.77.0.1", f"subnet {sub.cidr}, gateway {sub.gateway_ip}")
        ip = port.fixed_ips[0]["ip_address"]
        check(ip == "10.77.0.2", f"port {port.id}: IP {ip}, MAC {port.mac_address}, "
              "allocated by Tricircle")
        demo.network.delete_port(port)
    finally:
        demo.network.delete_network(net)

    print("Each pod is a real cloud of its own")
    for p in pods:
        conn = clouds.connect(p.key)
        hosts = [h.name for h in conn.compute.hypervisors()]
        check(bool(hosts), f"{p.region}: compute hosts {hosts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
