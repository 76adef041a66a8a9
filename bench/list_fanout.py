"""Merged `server list` across N simulated pods with injected latency, against one call
to the slowest pod alone. Goal: the ratio stays near 1 (<= 1.2) as N grows.

    .venv/bin/python bench/list_fanout.py [--pods 2 10 50] [--latency-ms 50] [--rounds 20]

Each simulated pod is a real HTTP server in this process answering Nova's
`GET /v2.1/servers/detail` (sorted, `limit`/`marker`) after its latency; pod i of N
waits latency * (1 + i/N), so the slowest waits about twice the base. Tricircle's own
list path (tricircle.api.lists.merged: fan-out, merge, cursor) runs against them.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import requests
import webob

from tricircle.api.compute import servers
from tricircle.api.wsgi import Request
from tricircle.core import clients, db
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext
from tricircle.core.db import migration
from tricircle.core.db.models import Pod

ITEMS_PER_POD = 200


def make_servers(pod: int) -> list[dict]:
    return sorted(({"id": str(uuid.uuid4()), "name": f"vm-{pod}-{i}",
                    "created": f"2026-01-01T00:{i % 60:02d}:{pod % 60:02d}Z",
                    "OS-EXT-AZ:availability_zone": f"az{pod}", "links": []}
                   for i in range(ITEMS_PER_POD)),
                  key=lambda s: (s["created"], s["id"]), reverse=True)


class JsonHandler(BaseHTTPRequestHandler):
    """A simulated pod's HTTP/1.1 server side: kept-alive connections, JSON answers."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a real pod behind gunicorn

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and
        # the client's delayed ACK add ~40 ms to every answer.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def answer(self, doc: dict, status: int = 200) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """`handler` on a free port of 127.0.0.1, in threads of this process."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def sim_pod(latency: float, items: list[dict]) -> ThreadingHTTPServer:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            time.sleep(latency)
            path = urlparse(self.path).path
            if not path.endswith("/detail"):  # a show: GET .../servers/{id}
                found = [s for s in items if s["id"] == path.rsplit("/", 1)[-1]]
                self.answer({"server": found[0]} if found else {"itemNotFound": {}},
                            200 if found else 404)
                return
            query = parse_qs(urlparse(self.path).query)
            limit = int(query.get("limit", ["1000"])[0])
            start = 0
            if "marker" in query:
                start = [s["id"] for s in items].index(query["marker"][0]) + 1
            self.answer({"servers": items[start:start + limit]}, 200)

    return serve(Handler)


def serve_pods(n_pods: int, latency: float, ports: multiprocessing.Queue) -> None:
    """In a process of its own, so the simulated pods' work does not share Tricircle's
    interpreter lock."""
    servers = [sim_pod(latency * (1 + i / n_pods), make_servers(i)) for i in range(n_pods)]
    ports.put([s.server_port for s in servers])
    threading.Event().wait()


class SimClients(clients.PodClients):
    """Pod clients whose catalog is the simulated pods (no Keystone)."""

    def __init__(self, urls: dict[str, str]) -> None:
        super().__init__(CONF)
        self.urls = urls

    def endpoint(self, region: str, service_type: str) -> str:
        return self.urls[region] + "/v2.1"


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm up connections
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def run(n_pods: int, latency: float, rounds: int, limit: int) -> dict:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    sims = multiprocessing.Process(target=serve_pods, args=(n_pods, latency, queue),
                                   daemon=True)
    sims.start()
    ports = queue.get(timeout=60)
    urls = {f"Sim{i}": f"http://127.0.0.1:{port}" for i, port in enumerate(ports)}
    slowest = urls[f"Sim{n_pods - 1}"]
    with db.transaction() as s:
        s.execute(Pod.__table__.delete())
        for i in range(n_pods):
            s.add(Pod(pod_name=f"Sim{i}", az_name=f"az{i}"))
    clients._clients = SimClients(urls)

    def merged() -> None:
        environ = webob.Request.blank(f"/v2.1/servers/detail?limit={limit}").environ
        environ["tricircle.context"] = RequestContext(project_id="p", user_id="u",
                                                      is_admin=True)
        servers.detail(Request(environ))

    direct = requests.Session()

    def one_pod() -> None:
        direct.get(f"{slowest}/v2.1/servers/detail", params={"limit": limit}).json()

    tricircle_ms, slowest_ms = median_ms(merged, rounds), median_ms(one_pod, rounds)
    sims.terminate()
    return {"pods": n_pods, "tricircle_ms": round(tricircle_ms, 1),
            "slowest_pod_ms": round(slowest_ms, 1), "ratio": round(tricircle_ms / slowest_ms, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, nargs="+", default=[2, 10, 50])
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    CONF.set_override("connection", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite",
                      "database")
    migration.sync()
    for n in args.pods:
        print(json.dumps(run(n, args.latency_ms / 1000, args.rounds, args.limit)), flush=True)


if __name__ == "__main__":
    main()
