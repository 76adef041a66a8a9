"""The spine against the real pods: RegionOne through the unchanged CLI, the routing
table's create protocol under races and crashes, a worker killed mid-job."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.testbed import slow_jobs  # noqa: F401 - registers the job type enqueued here
from tests.testbed.conftest import connect
from tricircle.core import bottom, clients, db, jobs
from tricircle.core.context import RequestContext, admin_context
from tricircle.core.db.models import Job, Pod, Routing, utcnow

REPO = Path(__file__).resolve().parents[2]
OPENSTACK = Path.home() / ".cache" / "tricircle" / "testbed-venv" / "bin" / "openstack"


def _cli(cloud: str, args: tuple[str, ...]) -> subprocess.CompletedProcess:
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(REPO / ".testbed" / "clouds.yaml"),
               OS_CLOUD=cloud)
    return subprocess.run([str(OPENSTACK), *args], env=env, capture_output=True, text=True,
                          timeout=180)


def openstack(cloud: str, *args: str) -> list | dict:
    """The CLI's JSON answer; a failed command fails the test with its error."""
    out = _cli(cloud, (*args, "-f", "json"))
    assert out.returncode == 0, f"openstack {' '.join(args)}: {out.stderr}"
    return json.loads(out.stdout)


_SHOW = {"server": lambda c, i: c.compute.get_server(i),
         "volume": lambda c, i: c.block_storage.get_volume(i),
         "volume snapshot": lambda c, i: c.block_storage.get_snapshot(i)}


def wait_status(kind: str, obj_id: str, status: str, cloud: str = "tricircle-demo",
                timeout: float = 60) -> dict:
    """Wait (polling through RegionOne with openstacksdk: quicker than the CLI) until
    the object's status is `status`, then answer `openstack <kind> show` (asserted)."""
    conn = connect(cloud)
    deadline = time.monotonic() + timeout
    while _SHOW[kind](conn, obj_id).status != status and time.monotonic() < deadline:
        time.sleep(0.3)
    shown = openstack(cloud, *kind.split(), "show", obj_id)
    assert shown["status"] == status, shown
    return shown


def openstack_ok(cloud: str, *args: str) -> str:
    """Run a command without JSON output; it must succeed. Its stdout."""
    out = _cli(cloud, args)
    assert out.returncode == 0, f"openstack {' '.join(args)}: {out.stderr}"
    return out.stdout


def openstack_error(cloud: str, *args: str) -> str:
    """Run a command that must fail. Its stderr."""
    out = _cli(cloud, args)
    assert out.returncode != 0, f"openstack {' '.join(args)} succeeded: {out.stdout}"
    return out.stderr


def openstack_quiet(cloud: str, *args: str) -> None:
    """Run a clean-up command, whatever its outcome."""
    _cli(cloud, args)


def test_regionone_shows_pods_as_availability_zones_and_aggregates(testbed: Path) -> None:
    zones = openstack("tricircle-demo", "availability", "zone", "list", "--compute")
    assert {z["Zone Name"] for z in zones} >= {"az1", "az2"}
    assert all(z["Zone Status"] == "available" for z in zones)
    aggregates = openstack("tricircle", "aggregate", "list")
    assert {(a["Name"], a["Availability Zone"]) for a in aggregates} >= {
        ("ag_Pod1", "az1"), ("ag_Pod2", "az2")}
    volume_zones = openstack("tricircle-demo", "availability", "zone", "list", "--volume")
    assert {z["Zone Name"] for z in volume_zones} >= {"az1", "az2"}
    endpoints = openstack("tricircle", "endpoint", "list", "--region", "RegionOne")
    by_type = {e["Service Type"]: e["URL"] for e in endpoints if e["Interface"] == "public"}
    for service_type in ("compute", "volumev3", "network"):
        assert by_type[service_type].startswith("http://127.0.0.1:19999/"), by_type
    assert not by_type["image"].startswith("http://127.0.0.1:19999")  # the shared Glance


@pytest.fixture
def pod1(tricircle_conf: Path, database: str) -> Pod:
    """Pod1 registered in the test's own database."""
    with db.transaction() as s:
        pod = Pod(pod_name="Pod1", az_name="az1")
        s.add(pod)
    return pod


def networks_named(cloud: Callable, name: str) -> list:
    return list(cloud("pod1").network.networks(name=name))


def test_racing_workers_make_one_bottom_object(pod1: Pod, cloud: Callable,
                                               cleanup: Callable) -> None:
    top_id = str(uuid.uuid4())
    cleanup(lambda: [cloud("pod1").network.delete_network(n) for n in
                     networks_named(cloud, top_id)])
    start = threading.Barrier(4)
    results: list[str] = []

    def worker() -> None:
        start.wait()
        results.append(bottom.ensure(admin_context(), pod1, "network", top_id,
                                     project_id="p", body={}, admin=True))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    made = networks_named(cloud, top_id)
    assert len(made) == 1
    assert results == [made[0].id] * 4
    with db.transaction() as s:
        [row] = s.scalars(select(Routing).where(Routing.top_id == top_id))
    assert row.bottom_id == made[0].id


def test_a_dead_creators_object_is_found_not_made_again(pod1: Pod, cloud: Callable,
                                                         cleanup: Callable) -> None:
    top_id = str(uuid.uuid4())
    orphan = cloud("pod1").network.create_network(name=top_id)
    cleanup(lambda: [cloud("pod1").network.delete_network(n) for n in
                     networks_named(cloud, top_id)])
    # The claim a creator left when it died after the pod made the network.
    with db.transaction() as s:
        s.add(Routing(top_id=top_id, pod_id=pod1.pod_id, project_id="p",
                      resource_type="network", updated_at=utcnow().replace(year=2000)))
    got = bottom.ensure(admin_context(), pod1, "network", top_id, project_id="p", body={},
                        admin=True)
    assert got == orphan.id
    assert [n.id for n in networks_named(cloud, top_id)] == [orphan.id]


def test_pod_calls_carry_the_global_request_id(pod1: Pod) -> None:
    request_id = f"req-{uuid.uuid4()}"
    ctx = RequestContext(global_request_id=request_id, is_admin=True)
    clients.get().request(ctx, "Pod1", "compute", "GET", "/flavors", admin=True)
    log = REPO / ".testbed" / "logs" / "pod1-nova-api.log"
    deadline = time.monotonic() + 10
    while request_id not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f"[{request_id} " in log.read_text()


def test_a_killed_worker_s_job_completes_once(pod1: Pod, database: str, tricircle_conf: Path,
                                            tmp_path: Path, cloud: Callable,
                                            cleanup: Callable) -> None:
    top_id = str(uuid.uuid4())
    cleanup(lambda: [cloud("pod1").network.delete_network(n) for n in
                     networks_named(cloud, top_id)])
    conf = tmp_path / "xjob.conf"
    conf.write_text(f"[database]\nconnection = {database}\n[xjob]\nlease_seconds = 2\n"
                    "sweep_interval = 0.5\npoll_interval = 0.1\nbackoff_base = 0\n"
                    "handler_modules = tests.testbed.slow_jobs\n"
                    # Its own: no wake-ups, scrapes or counts shared with the testbed's.
                    f"wake_port = 0\n[metrics]\nxjob_port = 0\ndirectory = {tmp_path}/m\n"
                    "[routing]\nclaim_seconds = 2\n[client]\nconnect_timeout = 0.3\n")
    made_file = tmp_path / "made"
    with db.transaction() as s:
        jobs.enqueue(s, "test_slow_network", {"top_id": top_id, "pod_id": pod1.pod_id,
                                              "made_file": str(made_file)})

    def start_worker(name: str) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "wb")
        proc = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "tricircle-xjob"), "--config-file",
             str(tricircle_conf), "--config-file", str(conf)],
            stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONPATH=str(REPO)))
        cleanup(lambda: (proc.kill(), proc.wait()))
        return proc

    first = start_worker("first")
    deadline = time.monotonic() + 60
    while not made_file.exists():
        assert first.poll() is None, (tmp_path / "first.log").read_text()
        assert time.monotonic() < deadline, "the first worker never reached the pod"
        time.sleep(0.1)
    os.kill(first.pid, signal.SIGKILL)  # after the pod made it, before we recorded it
    first.wait()
    start_worker("second")
    deadline = time.monotonic() + 60
    while True:
        with db.transaction() as s:
            all_jobs = list(s.scalars(select(Job)))
        if all_jobs[0].status == jobs.SUCCESS or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    [job] = all_jobs
    assert job.status == jobs.SUCCESS, (tmp_path / "second.log").read_text()
    assert job.attempts == 2
    made = networks_named(cloud, top_id)
    assert [n.id for n in made] == [made_file.read_text()]
    with db.transaction() as s:
        [row] = s.scalars(select(Routing).where(Routing.top_id == top_id))
    assert row.bottom_id == made[0].id
