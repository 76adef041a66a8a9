"""tricircle-manage: db sync | db version | register-endpoints | check."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from oslo_log import log
from sqlalchemy import select

from tricircle.core import clients, conf, db
from tricircle.core.db import migration
from tricircle.core.db.models import Job, Pod, Routing, utcnow

# The catalog entries RegionOne needs: service type -> path under tricircle-api. The admin
# API's own (`tricircle`) is how `openstack tricircle ...` finds it.
ENDPOINTS = {"compute": "/compute/v2.1", "volumev3": "/volume/v3/$(project_id)s",
             "block-storage": "/volume/v3/$(project_id)s", "network": "/networking",
             "tricircle": "/v1.0"}


class Progress:
    """Per-step lines on stderr for work that takes a while (stdout is the answer):
    `[2/4] failed jobs: 3 (0.1 s)`."""

    def __init__(self, steps: int) -> None:
        self.steps, self.done, self.started = steps, 0, time.monotonic()

    def __call__(self, what: str, found: object = None) -> None:
        self.done += 1
        tail = "" if found is None else f": {found}"
        print(f"[{self.done}/{self.steps}] {what}{tail} "
              f"({time.monotonic() - self.started:.1f} s)", file=sys.stderr, flush=True)


def db_sync(args: argparse.Namespace) -> int:
    before = migration.current()
    pending = migration.pending(before, args.revision)
    migration.sync(revision=args.revision, progress=Progress(len(pending)) if pending
                   else None)
    print(f"database at revision {migration.current()}")
    return 0


def db_version(args: argparse.Namespace) -> int:
    print(migration.current() or "empty")
    return 0


def register_endpoints(args: argparse.Namespace) -> int:
    """Make `region` (default [client] top_region) point its compute, volume and network
    endpoints at Tricircle's `url`. Idempotent: wrong URLs are corrected."""
    region = args.region or conf.CONF.client.top_region
    session = clients.get().session
    identity = {"service_type": "identity", "interface": "public"}

    def get(path: str, **params: str) -> list:
        resp = session.get(path, endpoint_filter=identity, params=params)
        return next(v for k, v in resp.json().items() if k != "links")

    if not any(r["id"] == region for r in get("/regions")):
        session.post("/regions", endpoint_filter=identity, json={"region": {"id": region}})
    services = {svc["type"]: svc["id"] for svc in get("/services")}
    have = {(e["service_id"], e["interface"]): e for e in get("/endpoints", region_id=region)}
    for service_type, path in ENDPOINTS.items():
        if service_type not in services:
            services[service_type] = session.post("/services", endpoint_filter=identity, json={
                "service": {"type": service_type, "name": service_type}}).json()["service"]["id"]
        url = args.url.rstrip("/") + path
        for interface in ("public", "internal", "admin"):
            found = have.get((services[service_type], interface))
            if found is None:
                session.post("/endpoints", endpoint_filter=identity, json={"endpoint": {
                    "service_id": services[service_type], "interface": interface,
                    "region_id": region, "url": url}})
            elif found["url"] != url:
                session.patch(f"/endpoints/{found['id']}", endpoint_filter=identity,
                              json={"endpoint": {"url": url}})
        print(f"{region} {service_type}: {url}")
    return 0


def check(args: argparse.Namespace) -> int:
    """Report what needs an operator: stale routing claims, failed or stuck jobs, pods
    whose region left Keystone. Exit 1 if anything is found."""
    problems: list[str] = []
    progress = Progress(4)
    stale = utcnow() - dt.timedelta(seconds=conf.CONF.routing.claim_seconds)
    with db.transaction() as s:
        found = [f"routing {r.id}: {r.resource_type} {r.top_id} in {r.pod_id} claimed but "
                 "never made" for r in s.scalars(select(Routing).where(
                     Routing.bottom_id.is_(None), Routing.updated_at < stale))]
        progress("routing claims never filled", len(found))
        problems += found
        found = [f"job {j.id} {j.type} {j.resource} FAILED: {j.last_error}"
                 for j in s.scalars(select(Job).where(Job.status == "FAIL"))]
        progress("failed jobs", len(found))
        problems += found
        found = [f"job {j.id} {j.type}: lease of {j.lease_owner} expired (is a "
                 "tricircle-xjob running?)" for j in s.scalars(select(Job).where(
                     Job.status == "RUNNING", Job.lease_expires < utcnow()))]
        progress("running jobs whose lease expired", len(found))
        problems += found
        pod_names = [p.pod_name for p in s.scalars(select(Pod))]
    regions = clients.get().regions() if pod_names else set()
    found = [f"pod {name}: no such region in Keystone" for name in pod_names
             if name not in regions]
    progress(f"pods' regions in Keystone ({len(pod_names)} pods)", len(found))
    problems += found
    for line in problems:
        print(line)
    print(f"{len(problems)} problems found" if problems else "consistent")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tricircle-manage")
    parser.add_argument("--config-file", action="append", default=[])
    sub = parser.add_subparsers(dest="cmd", required=True)
    dbp = sub.add_parser("db").add_subparsers(dest="db_cmd", required=True)
    sync = dbp.add_parser("sync", help="create or upgrade the schema (alembic)")
    sync.add_argument("--revision", default="head")
    sync.set_defaults(func=db_sync)
    dbp.add_parser("version", help="the schema revision").set_defaults(func=db_version)
    reg = sub.add_parser("register-endpoints",
                         help="point the top region's endpoints at Tricircle")
    reg.add_argument("--url", required=True, help="tricircle-api's URL, e.g. "
                     "http://127.0.0.1:19999")
    reg.add_argument("--region", help="default: [client] top_region")
    reg.set_defaults(func=register_endpoints)
    sub.add_parser("check", help="report inconsistencies").set_defaults(func=check)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    log.register_options(conf.CONF)
    conf.CONF.set_default("use_stderr", True)  # stdout is the command's answer
    conf.setup([arg for f in args.config_file for arg in ("--config-file", f)])
    return args.func(args)
