"""`server show` through Tricircle against the same call made directly to the pod.

    bin/test -k nothing  # or testbed/up: the testbed and Tricircle must run
    .venv/bin/python bench/proxy_show.py [--rounds 200]

Boots one server in az1 through RegionOne, then alternates GET /servers/{id} through
Tricircle and straight to Pod1's Nova (same token, same microversion, kept-alive
connections) and reports the medians and their ratio. Goal: ratio <= 1.05 (issue 15).
With --floor, the same call also through bench/floor_proxy.py under gunicorn as
tricircle-api runs (two workers, 16 threads) in front of Pod1's Nova: what any Python
gateway costs there before it does anything of its own.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "testbed"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput
from tb import clouds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--floor", action="store_true")
    args = parser.parse_args()
    top, pod = clouds.connect("tricircle-demo"), clouds.connect("pod1-demo")
    flavor_id = str(uuid.uuid4())
    for admin in (clouds.connect("pod1"), clouds.connect("pod2")):
        admin.compute.create_flavor(id=flavor_id, name=f"bench-{flavor_id[:8]}", ram=64,
                                    vcpus=1, disk=1)
    image = next(top.image.images(name="tiny-raw"))
    server = top.compute.create_server(name="bench", flavor_id=flavor_id, image_id=image.id,
                                       availability_zone="az1", networks="none")
    floor = contextlib.ExitStack()
    try:
        top.compute.wait_for_server(server)
        token = top.session.get_token()
        headers = {"X-Auth-Token": token, "OpenStack-API-Version": throughput.MICROVERSION}
        urls = {"tricircle": top.compute.get_endpoint() + f"/servers/{server.id}",
                "direct": pod.compute.get_endpoint() + f"/servers/{server.id}"}
        if args.floor:
            nova = urlsplit(pod.compute.get_endpoint())
            floor.enter_context(throughput._floor(nova.port or 80, 2, host=nova.hostname))
            urls["floor"] = (f"http://127.0.0.1:{throughput.FLOOR_PORT}{nova.path}"
                             f"/servers/{server.id}")
        sessions = {k: requests.Session() for k in urls}
        times: dict[str, list[float]] = {k: [] for k in urls}
        for i in range(args.rounds + 10):
            for name, url in urls.items():
                t = time.perf_counter()
                resp = sessions[name].get(url, headers=headers)
                elapsed = time.perf_counter() - t
                assert resp.status_code == 200, resp.text
                if i >= 10:  # warm-up
                    times[name].append(elapsed)
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        print(json.dumps({"rounds": args.rounds, "tricircle_ms": round(med["tricircle"], 2),
                          "direct_ms": round(med["direct"], 2),
                          "ratio": round(med["tricircle"] / med["direct"], 3),
                          **({"floor_ms": round(med["floor"], 2), "floor_ratio": round(
                              med["floor"] / med["direct"], 3)} if args.floor else {})}))
    finally:
        floor.close()
        top.compute.delete_server(server)
        for admin in (clouds.connect("pod1"), clouds.connect("pod2")):
            admin.compute.delete_flavor(flavor_id, ignore_missing=True)


if __name__ == "__main__":
    main()
