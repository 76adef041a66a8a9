"""The testbed runs Tricircle as production would: on PostgreSQL, two tricircle-api worker
processes behind one port and two tricircle-xjob processes. Router changes made at once
through both API processes queue jobs that each run exactly once, whichever xjob process
claims them."""
from __future__ import annotations

import configparser
import http.client
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tb import layout, procs
from tb import tricircle as tb_tricircle

from tests.testbed.test_l3 import make_net, make_router, wait_for

pytestmark = pytest.mark.xdist_group("vlans")  # routers across pods take bridge VLANs

JOBS_URL = f"http://{layout.HOST}:{layout.TRICIRCLE_PORT}/v1.0/jobs"


def test_the_testbed_runs_the_production_shape(testbed: Path) -> None:
    conf = configparser.ConfigParser()
    conf.read(tb_tricircle.CONF)
    assert conf["database"]["connection"].startswith("postgresql+psycopg2://")
    assert conf["api"]["workers"] == "2"
    assert all(procs.alive(name) for name in ("postgres", *tb_tricircle.SERVICES))
    api = procs.read_pid("tricircle-api")
    workers = Path(f"/proc/{api}/task/{api}/children").read_text().split()
    assert len(workers) == 2  # gunicorn's master and its two workers


def test_router_changes_through_both_api_processes_run_each_job_once(
        testbed: Path, cloud: Callable, unique: str, cleanup: Callable) -> None:
    top = cloud("tricircle-demo")
    subnets = [make_net(top, f"{unique}-{i}", f"az{1 + i % 2}", f"10.83.{i}.0/24",
                        cleanup)[1] for i in range(6)]
    routers = [make_router(top, f"{unique}-r{k}", cleanup) for k in range(3)]
    log = layout.LOGS / "tricircle-api.log"
    xjob_logs = [layout.LOGS / f"{name}.log" for name in tb_tricircle.XJOBS]
    marks = [p.stat().st_size for p in (log, *xjob_logs)]

    def attach(i: int) -> None:  # two subnets (az1 and az2) per router, all at once
        top.network.add_interface_to_router(routers[i // 2], subnet_id=subnets[i].id)
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(attach, range(6)))

    def done() -> bool:
        found = [top.network.get_router(r.id).status for r in routers]
        return all(status == "ACTIVE" for status in found)
    wait_for("every router to converge", done, timeout=180)

    # Both API processes answered some of the changes (each request's log line names the
    # process that answered).
    served = _new(log, marks[0])
    pids = {m.group(1) for line in served if "add_router_interface" in line
            for m in [re.match(r"\S+ \S+ (\d+) INFO tricircle\.api\.measured ", line)] if m}
    assert len(pids) == 2, pids
    # Every job of these routers ran once per attempt across both xjob processes, and
    # succeeded.
    admin = cloud("tricircle").session
    ran = "\n".join(line for p, mark in zip(xjob_logs, marks[1:], strict=True)
                    for line in _new(p, mark))
    jobs = [j for r in routers for j in admin.get(
        JOBS_URL, params={"resource_key": r.id}).json()["jobs"]]
    assert {j["type"] for j in jobs} >= {"setup_router"}
    for job in jobs:
        assert job["status"] == "SUCCESS", job
        assert ran.count(f"Running job {job['id']} ") == job["attempts"], job
        assert ran.count(f"Job {job['id']} {job['type']} done") == 1, job


def _new(path: Path, mark: int) -> list[str]:
    with open(path, "rb") as f:
        f.seek(mark)
        return f.read().decode(errors="replace").splitlines()


def test_a_connection_idle_for_seconds_is_still_answered(testbed: Path) -> None:
    """A client reuses a kept-alive connection after 2-3 s idle (openstacksdk polls every
    2 s): tricircle-api keeps it ([api] keepalive), it never closes it under the request
    (gunicorn's own 2 s default did)."""
    conn = http.client.HTTPConnection(layout.HOST, layout.TRICIRCLE_PORT, timeout=10)
    for idle in (0, 2.0, 2.5, 3.0):
        time.sleep(idle)
        conn.request("GET", "/compute/")
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200 and not resp.will_close
    conn.close()
