"""`server show` through Tricircle against the same call made directly to the pod.

    bin/test -k nothing  # or testbed/up: the testbed and Tricircle must run
    .venv/bin/python bench/proxy_show.py [--rounds 200]

Boots one server in az1 through RegionOne, then alternates GET /servers/{id} through
Tricircle and straight to Pod1's Nova (same token, same microversion, kept-alive
connections) and reports the medians and their ratio. Goal: ratio <= 1.10.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "testbed"))
from tb import clouds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    top, pod = clouds.connect("tricircle-demo"), clouds.connect("pod1-demo")
    flavor_id = str(uuid.uuid4())
    for admin in (clouds.connect("pod1"), clouds.connect("pod2")):
        admin.compute.create_flavor(id=flavor_id, name=f"bench-{flavor_id[:8]}", ram=64,
                                    vcpus=1, disk=1)
    image = next(top.image.images(name="tiny-raw"))
    server = top.compute.create_server(name="bench", flavor_id=flavor_id, image_id=image.id,
                                       availability_zone="az1", networks="none")
    try:
        top.compute.wait_for_server(server)
        token = top.session.get_token()
        headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.79"}
        urls = {"tricircle": top.compute.get_endpoint() + f"/servers/{server.id}",
                "direct": pod.compute.get_endpoint() + f"/servers/{server.id}"}
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
                          "ratio": round(med["tricircle"] / med["direct"], 3)}))
    finally:
        top.compute.delete_server(server)
        for admin in (clouds.connect("pod1"), clouds.connect("pod2")):
            admin.compute.delete_flavor(flavor_id, ignore_missing=True)


if __name__ == "__main__":
    main()
