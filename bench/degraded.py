"""Lists and shows while one pod hangs (docs/health.md), over simulated pods.

    .venv/bin/python bench/degraded.py [--pods 10] [--deadline 1.0] [--rounds 10]

N simulated pods (bench/list_fanout.py's: real HTTP servers in another process, 20 ms
each), one of which accepts requests and never answers. Reports:
- the merged `server list` at microversion 2.69 (the hung pod's servers as UNKNOWN
  records) against `[client] list_deadline`: goal time / deadline <= 1.1;
- a `server show` of a server in a healthy pod through Tricircle's handler against the
  same call straight to that pod, while the other pod hangs: goal ratio <= 1.10.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import threading
from pathlib import Path

import requests
import webob

sys.path.insert(0, str(Path(__file__).resolve().parent))
from list_fanout import SimClients, make_servers, median_ms, sim_pod

from tricircle.api.compute import servers
from tricircle.api.wsgi import Request
from tricircle.core import clients, db, routing
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext
from tricircle.core.db import migration
from tricircle.core.db.models import Pod

LATENCY = 0.02


def serve(n_pods: int, queue: multiprocessing.Queue) -> None:
    """Pods 0..n-2 answer after LATENCY; the last one never does."""
    made = [make_servers(i) for i in range(n_pods)]
    sims = [sim_pod(LATENCY if i < n_pods - 1 else 3600.0, made[i]) for i in range(n_pods)]
    queue.put(([s.server_port for s in sims], [[s["id"] for s in m[:20]] for m in made]))
    threading.Event().wait()


def request(path: str, **urlvars: str) -> Request:
    environ = webob.Request.blank(path).environ
    environ["tricircle.context"] = RequestContext(project_id="p", user_id="u")
    environ["tricircle.microversion"] = (2, 69)
    environ["tricircle.urlvars"] = urlvars
    return Request(environ)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=10)
    parser.add_argument("--deadline", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    CONF.set_override("connection", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite",
                      "database")
    CONF.set_override("list_deadline", args.deadline, "client")
    migration.sync()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    multiprocessing.Process(target=serve, args=(args.pods, queue), daemon=True).start()
    ports, ids = queue.get(timeout=60)
    urls = {f"Sim{i}": f"http://127.0.0.1:{port}" for i, port in enumerate(ports)}
    with db.transaction() as s:
        for i in range(args.pods):
            s.add(Pod(pod_name=f"Sim{i}", az_name=f"az{i}"))
    with db.transaction() as s:
        by_name = {p.pod_name: p.pod_id for p in s.query(Pod)}
    for i, pod_ids in enumerate(ids):  # what the routing table knows of each pod
        for server_id in pod_ids:
            routing.record(server_id, by_name[f"Sim{i}"], "server", "p", server_id)
    clients._clients = SimClients(urls)

    listed: list[dict] = []

    def merged() -> None:
        listed[:] = servers.detail(request("/v2.1/servers/detail?limit=50"))["servers"]

    list_ms = median_ms(merged, args.rounds)
    unknown = sum(1 for s in listed if s.get("status") == "UNKNOWN")
    healthy = ids[0][0]
    direct = requests.Session()

    def through() -> None:
        resp = servers.one(request(f"/v2.1/servers/{healthy}", server_id=healthy))
        assert resp.status_code == 200

    def straight() -> None:
        direct.get(f"{urls['Sim0']}/v2.1/servers/{healthy}").raise_for_status()

    show_ms = median_ms(through, args.rounds * 10)
    direct_ms = median_ms(straight, args.rounds * 10)
    print(json.dumps({
        "pods": args.pods, "hung": 1, "deadline_ms": args.deadline * 1000,
        "list_ms": round(list_ms, 1), "list_over_deadline": round(
            list_ms / (args.deadline * 1000), 3), "unknown_records": unknown,
        "show_ms": round(show_ms, 2), "direct_show_ms": round(direct_ms, 2),
        "show_ratio": round(show_ms / direct_ms, 3)}), flush=True)


if __name__ == "__main__":
    main()
