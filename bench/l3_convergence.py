"""Cross-pod L3 convergence: pod API calls per convergence as the pods grow, and the time
from the last interface add to converged routes on the testbed.

    .venv/bin/python bench/l3_convergence.py calls [--pods 2 5 10 20 50]
    .venv/bin/python bench/l3_convergence.py testbed [--rounds 7]   (testbed/up first)

`calls`: N simulated pods, each a small Neutron (the calls Tricircle makes, with Neutron's
shapes) over HTTP in this process. A router gets one subnet in each pod; then its jobs
(setup_router, which runs configure_routes) run. Reported: pod calls for the first
convergence, and for the convergence after one more pod's interface is added (what each
add costs once the router spans N pods). Both should grow like N, not N^2.
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tricircle.core import clients, db
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext, admin_context
from tricircle.core.db import migration
from tricircle.core.db.models import Pod
from tricircle.network import networks as networking
from tricircle.network import routers
from tricircle.network.sync import routers as router_sync

COLLECTIONS = {"networks": "network", "subnets": "subnet", "ports": "port",
               "routers": "router"}


class SimNeutron:
    """One pod's Neutron, as far as Tricircle uses it."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, dict]] = {c: {} for c in COLLECTIONS}
        self.lock = threading.Lock()

    def handle(self, method: str, path: str, query: dict, body: dict | None
               ) -> tuple[int, dict | None]:
        parts = path.strip("/").split("/")[1:]  # drop v2.0
        coll = parts[0]
        if coll not in self.objects:
            return 404, {"NeutronError": {"type": "HTTPNotFound", "message": path}}
        items = self.objects[coll]
        with self.lock:
            if len(parts) == 1 and method == "GET":
                found = [o for o in items.values() if all(
                    str(o.get(k)) in v for k, v in query.items() if k != "fields")]
                return 200, {coll: found}
            if len(parts) == 1 and method == "POST":
                obj = {"id": str(uuid.uuid4()), "name": "", "routes": [], "device_id": "",
                       "device_owner": "", "subnets": [], **body[COLLECTIONS[coll]]}
                items[obj["id"]] = obj
                if coll == "subnets":
                    self.objects["networks"][obj["network_id"]]["subnets"].append(obj["id"])
                return 201, {COLLECTIONS[coll]: obj}
            obj = items.get(parts[1])
            if obj is None:
                return 404, {"NeutronError": {"type": "NotFound", "message": parts[1]}}
            if method == "GET":
                return 200, {COLLECTIONS[coll]: obj}
            if method == "DELETE":
                del items[parts[1]]
                return 204, None
            if len(parts) == 3 and parts[2] == "add_router_interface":
                port = self.objects["ports"][body["port_id"]]
                port.update(device_id=obj["id"], device_owner="network:router_interface")
                return 200, {"id": obj["id"], "port_id": port["id"]}
            if len(parts) == 4 and parts[2] == "tags":
                obj.setdefault("tags", []).append(parts[3])
                return 201, None
            if len(parts) == 3 and parts[2] == "remove_router_interface":
                self.objects["ports"].pop(body["port_id"], None)
                return 200, {"id": obj["id"], "port_id": body["port_id"]}
            obj.update(body[COLLECTIONS[coll]])
            return 200, {COLLECTIONS[coll]: obj}


def serve(sim: SimNeutron) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()  # no Nagle delay between headers and body (see list_fanout)
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _do(self) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, answer = sim.handle(self.command, url.path, parse_qs(url.query), body)
            data = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _do

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class CountingClients(clients.PodClients):
    """Pod clients whose catalog is the simulated pods, counting every call."""

    def __init__(self, urls: dict[str, str]) -> None:
        super().__init__(CONF)
        self.urls = urls
        self.calls: collections.Counter = collections.Counter()

    def endpoint(self, region: str, service_type: str) -> str:
        return self.urls[region]

    def request(self, ctx, region, service_type, method, path, **kwargs):
        self.calls[(method, re.sub(r"[0-9a-f-]{36}", "{id}", path))] += 1
        return super().request(ctx, region, service_type, method, path, **kwargs)


def converge(router_id: str) -> None:
    ctx = admin_context()
    router_sync.setup_router(ctx, {"router_id": router_id})


def attach(project: str, router_id: str, az: str, cidr: str) -> None:
    ctx = RequestContext(project_id=project, user_id="u", is_admin=False)
    with db.transaction() as s:
        net = networking.create_network(s, ctx, {
            "name": "", "description": "", "admin_state_up": True, "shared": False,
            "mtu": 1500, "availability_zone_hints": [az]})
        sub = networking.create_subnet(s, ctx, {
            "network_id": net.id, "ip_version": 4, "cidr": cidr, "name": "",
            "description": "", "enable_dhcp": False, "host_routes": [],
            "dns_nameservers": []})
        routers.add_interface(s, ctx, s.get(routers.Router, router_id), {"subnet_id": sub.id})


def run(n_pods: int) -> dict:
    CONF.set_override("connection", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite",
                      "database")
    migration.sync()
    neutrons = [SimNeutron() for _ in range(n_pods + 1)]
    sims = [serve(n) for n in neutrons]
    urls = {f"Sim{i}": f"http://127.0.0.1:{s.server_port}" for i, s in enumerate(sims)}
    with db.transaction() as s:
        for i in range(n_pods + 1):
            s.add(Pod(pod_name=f"Sim{i}", az_name=f"az{i}"))
    pc = CountingClients(urls)
    clients._clients = pc
    project = "p"
    ctx = RequestContext(project_id=project, user_id="u", is_admin=False)
    with db.transaction() as s:
        router = routers.create_router(s, ctx, {"name": "r", "description": "",
                                                "admin_state_up": True})
    for i in range(n_pods):
        attach(project, router.id, f"az{i}", f"10.{i // 250}.{i % 250}.0/24")
    t = time.perf_counter()
    converge(router.id)
    first_s = time.perf_counter() - t
    first = sum(pc.calls.values())
    pc.calls.clear()
    attach(project, router.id, f"az{n_pods}", "10.255.0.0/24")
    t = time.perf_counter()
    converge(router.id)
    add_s = time.perf_counter() - t
    added = sum(pc.calls.values())
    # Converged: each pod's bottom router routes to the CIDR of every other pod.
    for neutron in neutrons:
        (bottom_router,) = neutron.objects["routers"].values()
        assert len(bottom_router["routes"]) == n_pods, bottom_router["routes"]
    for server in sims:
        server.shutdown()
    return {"pods": n_pods, "first_convergence_calls": first,
            "calls_per_pod": round(first / n_pods, 1), "first_s": round(first_s, 2),
            "one_more_pod_calls": added, "one_more_pod_s": round(add_s, 2)}


def _routes_to(pod, router_id: str, cidr: str) -> bool:
    """Does the pod's copy of the router route `cidr` (read from the pod's own API)?"""
    found = list(pod.network.routers(name=router_id))
    return bool(found) and any(r["destination"] == cidr for r in found[0].routes)


def _floor(pod, r: int) -> float:
    """The same work's dependent calls made straight to the pod: network, subnet, port,
    router, interface, routes, one after another (each needs the one before)."""
    made = []
    t = time.perf_counter()
    try:
        net = pod.network.create_network(name=f"floor-{r}")
        made.append(lambda: pod.network.delete_network(net))
        sub = pod.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.52.0.0/24")
        port = pod.network.create_port(network_id=net.id, fixed_ips=[
            {"subnet_id": sub.id, "ip_address": "10.52.0.1"}])
        made.append(lambda: pod.network.delete_port(port, ignore_missing=True))
        router = pod.network.create_router(name=f"floor-{r}")
        made.append(lambda: pod.network.delete_router(router))
        pod.network.add_interface_to_router(router, port_id=port.id)
        made.append(lambda: pod.network.remove_interface_from_router(router, port_id=port.id))
        pod.network.update_router(router, routes=[{"destination": "10.53.0.0/24",
                                                   "nexthop": "10.52.0.9"}])
        made.append(lambda: pod.network.update_router(router, routes=[]))
        return time.perf_counter() - t
    finally:
        for undo in reversed(made):
            undo()


def testbed_rounds(rounds: int) -> None:
    """A round: two networks (az1, az2) on a new router, one joined and converged; the
    clock runs from the second interface add until the router is ACTIVE and both pods'
    own APIs show the route to the other pod's CIDR. A router in ERROR ends the run (a
    job FAILed)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "testbed"))
    from tb import clouds  # noqa: PLC0415

    demo = clouds.connect("tricircle-demo")
    pods = {az: clouds.connect(key) for az, key in (("az1", "pod1"), ("az2", "pod2"))}
    times, floors = [], []
    for r in range(rounds):
        made = []
        try:
            subs = []
            for i, az in enumerate(("az1", "az2")):
                net = demo.network.create_network(name=f"bench-{r}-{i}",
                                                  availability_zone_hints=[az])
                made.append(lambda net=net: demo.network.delete_network(net))
                subs.append(demo.network.create_subnet(network_id=net.id, ip_version=4,
                                                       cidr=f"10.{50 + i}.0.0/24"))
            router = demo.network.create_router(name=f"bench-{r}")
            made.append(lambda router=router: demo.network.delete_router(router))
            demo.network.add_interface_to_router(router, subnet=subs[0].id)
            made.append(lambda router=router, sub=subs[0]:
                        demo.network.remove_interface_from_router(router, subnet=sub.id))
            while not _active(demo, router.id, r):  # the clock starts from a settled router
                time.sleep(0.05)
            t = time.perf_counter()
            demo.network.add_interface_to_router(router, subnet=subs[1].id)
            made.append(lambda router=router, sub=subs[1]:
                        demo.network.remove_interface_from_router(router, subnet=sub.id))
            while not (
                    _active(demo, router.id, r)
                    and _routes_to(pods["az1"], router.id, "10.51.0.0/24")
                    and _routes_to(pods["az2"], router.id, "10.50.0.0/24")):
                time.sleep(0.05)
            times.append(time.perf_counter() - t)
            floors.append(_floor(pods["az2"], r))
            print(json.dumps({"round": r, "converged_s": round(times[-1], 2),
                              "floor_s": round(floors[-1], 2)}), flush=True)
        finally:
            for undo in reversed(made):
                undo()
    print(json.dumps({"rounds": rounds, "median_converged_s": round(statistics.median(times), 2),
                      "min_s": round(min(times), 2), "max_s": round(max(times), 2),
                      "median_floor_s": round(statistics.median(floors), 2)}))


def _active(demo, router_id: str, r: int) -> bool:
    status = demo.network.get_router(router_id).status
    if status == "ERROR":  # a job FAILed: not converged (see /v1.0/jobs)
        raise SystemExit(f"round {r}: router {router_id} is ERROR")
    return status == "ACTIVE"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["calls", "testbed"])
    parser.add_argument("--pods", type=int, nargs="+", default=[2, 5, 10, 20, 50])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if args.mode == "testbed":
        testbed_rounds(args.rounds)
        return
    CONF([], project="tricircle", default_config_files=[])  # parsed: policy reads it
    for n in args.pods:
        print(json.dumps(run(n)), flush=True)


if __name__ == "__main__":
    main()
