"""testbed up | down | status: a multi-pod OpenStack on 127.0.0.1.

`up` is idempotent: it installs what is missing, reuses what runs, and starts the rest.
On failure it names the service, prints the tail of its log and exits non-zero.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from . import install, layout, procs


def in_venv() -> bool:
    return sys.prefix == str(layout.VENV)


def cmd_up(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    if not in_venv():
        install.ensure_all()
        py = str(layout.VENV / "bin" / "python")
        env = dict(os.environ, PYTHONPATH=str(install.HERE), TESTBED_T0=str(t0))
        os.execve(py, [py, "-m", "tb", "up", "--pods", str(args.pods)], env)
    t0 = float(os.environ.get("TESTBED_T0", t0))
    from . import clouds, identity, pod, shared, tricircle  # noqa: PLC0415 - venv-only

    pods = layout.pods(args.pods)
    layout.STATE.mkdir(parents=True, exist_ok=True)
    layout.POD_COUNT_FILE.write_text(json.dumps({"pods": args.pods}))
    step = Steps(t0)
    shared.memcached()
    shared.mariadb()
    shared.create_databases(["keystone", "glance", *(n for p in pods for n in pod.databases(p))])
    step("mariadb")
    with ThreadPoolExecutor(max_workers=4) as pool:
        # Broker and Keystone are independent; pods' configs need neither.
        rabbit = pool.submit(shared.rabbit, [p.key for p in pods])
        keystone = pool.submit(shared.keystone)
        for p in pods:
            pod.write_configs(p)
        syncs = [pool.submit(pod.sync_databases, p) for p in pods]
        keystone.result()
        step("keystone")
        identity.register(pods)
        glance = pool.submit(shared.glance)
        rabbit.result()
        step("rabbitmq + identity")
        for f in syncs:
            f.result()
        step("pod databases")
        for p in pods:
            pod.start(p)
        glance.result()
    clouds.write(pods)
    clouds.ensure_image()
    step("glance + image")
    for p in pods:
        pod.wait_apis(p)
    step("pod APIs answering")
    with ThreadPoolExecutor(max_workers=len(pods)) as pool:
        for f in [pool.submit(pod.wait_ready, p, clouds.connect(p.key)) for p in pods]:
            f.result()
    step("compute and volume ready")
    tricircle.start()
    tricircle.register_pods(pods)
    step("tricircle")
    dead = [n for n in procs.names() if not procs.alive(n)]
    if dead:
        raise procs.ServiceFailed(f"died during start-up: {', '.join(dead)}\n"
                                  + "\n".join(f"--- {n} ---\n{procs.tail(n)}" for n in dead))
    print(f"testbed up: {len(pods)} pods in {time.monotonic() - t0:.0f} s; "
          f"clouds in {layout.STATE / 'clouds.yaml'}")
    return 0


class Steps:
    def __init__(self, t0: float) -> None:
        self.t0 = t0

    def __call__(self, what: str) -> None:
        print(f"[{time.monotonic() - self.t0:6.1f} s] {what}", flush=True)


def stop_order() -> list[str]:
    """Pods' services first (newest first), the shared ones last."""
    shared_last = ["glance", "keystone", "rabbitmq", "epmd", "mariadb", "memcached"]
    running = list(reversed(procs.names()))
    return [n for n in running if n not in shared_last] + [n for n in shared_last
                                                          if n in running]


def cmd_down(args: argparse.Namespace) -> int:
    names = stop_order()
    pod_services = [n for n in names if n.startswith("pod")]
    # Pods' services stop in parallel: cinder-volume alone takes ~10 s on TERM.
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(procs.stop, pod_services))
    for name in names:
        if name in pod_services:
            continue
        if name == "rabbitmq":
            from .shared import stop_rabbit  # noqa: PLC0415
            stop_rabbit()
        else:
            procs.stop(name)
    print(f"testbed down: stopped {len(names)} services")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    names = procs.names()
    if not names:
        print("testbed: nothing started")
        return 1
    bad = 0
    for name in names:
        ok = procs.alive(name)
        bad += not ok
        print(f"{'up  ' if ok else 'DOWN'} {name:28} pid {procs.read_pid(name)}  "
              f"log {procs.log_path(name)}")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="testbed")
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="install what is missing and start everything")
    up.add_argument("--pods", type=int, default=None, help="number of pods (default 2)")
    sub.add_parser("down", help="stop everything started, by PID")
    sub.add_parser("status", help="show each service and whether it runs")
    args = parser.parse_args(argv)
    if args.cmd == "up" and args.pods is None:
        args.pods = len(layout.saved_pods())
    try:
        return {"up": cmd_up, "down": cmd_down, "status": cmd_status}[args.cmd](args)
    except procs.ServiceFailed as err:
        print(f"testbed {args.cmd} FAILED: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
