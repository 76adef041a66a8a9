"""A client polling one router every 2 s through RegionOne on one kept-alive connection,
as openstacksdk's `wait_for_*` does: every request must be answered (issue 24, S14:
tricircle-api's idle connections were closed after gunicorn's 2 s, under the next poll).

    testbed/up
    .venv/bin/python bench/poll_router.py [--minutes 10] [--every 2]

Uses the testbed's `tricircle-demo` cloud (.testbed/clouds.yaml); makes a router, polls
it, deletes it; prints how many polls were answered and how many failed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import openstack

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--every", type=float, default=2.0)
    args = parser.parse_args()
    os.environ.setdefault("OS_CLIENT_CONFIG_FILE", str(REPO / ".testbed" / "clouds.yaml"))
    top = openstack.connect(cloud="tricircle-demo")
    router = top.network.create_router(name=f"poll-{os.getpid()}")
    answered, failed = 0, []
    until = time.monotonic() + args.minutes * 60
    try:
        while time.monotonic() < until:
            time.sleep(args.every)
            try:
                # One requests session: the connection is kept between polls.
                resp = top.network.get(f"/routers/{router.id}")
                if resp.status_code == 200:
                    answered += 1
                else:
                    failed.append(f"{resp.status_code} {resp.text[:100]}")
            except Exception as err:  # noqa: BLE001 - what the polling client would see
                failed.append(f"{type(err).__name__}: {err}")
    finally:
        top.network.delete_router(router, ignore_missing=True)
    print(f"{answered} polls answered, {len(failed)} failed every {args.every:g} s "
          f"for {args.minutes:g} min")
    for line in failed[:10]:
        print("  ", line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
