"""CPU per request of tricircle-api's WSGI app itself, called in this process (no
gunicorn, no load generator), against bench/throughput.py's simulated pods: the
low-noise figure for comparing two versions of the code (run each, compare the minima).

    testbed/up   # its Keystone and memcached
    .venv/bin/python bench/app_cpu.py [--requests 3000] [--mix show] [--profile out.prof] \
        >/tmp/app_cpu.txt; tail -1 /tmp/app_cpu.txt  # the log lines into a file

The app is built as tricircle-api builds it (deploy.all_apps, keystonemiddleware with the
testbed's memcached, the bench's SQLite database) and called with a WSGI environ as
gunicorn would pass it. Prints the CPU milliseconds per request of five runs and their
minimum. `--profile` also writes a cProfile (in CPU time) of one more run.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import sys
import time
from pathlib import Path

import webob

sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput

from tricircle.api import deploy
from tricircle.core import conf, metrics


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--mix", default="show", choices=["show", "mix"])
    parser.add_argument("--profile", default=None)
    args = parser.parse_args()
    with throughput.deployed(2, 1) as bench:
        cfg = conf.setup(bench.conf_args)
        metrics.prepare("api")
        app = deploy.all_apps(cfg)
        paths = bench.mixes[args.mix][0]

        # Each path's environ made once (the server's part, not counted), copied per call.
        environs = {path: webob.Request.blank(path, remote_addr="127.0.0.1",
                                              headers=bench.request_headers).environ
                    for path in paths}

        def call(path: str) -> None:
            status: list[str] = []
            environ = {**environs[path], "wsgi.input": io.BytesIO()}
            body = app(environ, lambda line, headers, exc_info=None: status.append(line))
            b"".join(body)
            body.close()  # as the server does: the request's log line and metrics
            if not status[0].startswith("200"):
                raise RuntimeError(f"{path}: {status[0]}")

        def run(n: int) -> float:
            started = time.process_time()
            for i in range(n):
                call(paths[i % len(paths)])
            return (time.process_time() - started) / n * 1000

        run(300)  # warm: token cache, connections, routing memory
        runs = [run(args.requests) for _ in range(5)]
        if args.profile:
            # Timed in CPU, as the figures: waiting for the pod is not counted.
            profile = cProfile.Profile(time.process_time)
            profile.runctx("run(args.requests)", globals(), locals())
            profile.dump_stats(args.profile)
        print(json.dumps({"mix": args.mix, "requests": args.requests,
                          "cpu_ms_per_request": [round(r, 3) for r in runs],
                          "min": round(min(runs), 3)}))


if __name__ == "__main__":
    main()
