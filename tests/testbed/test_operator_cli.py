"""The admin API with the real `openstack` command and Tricircle's plugin (tricircle/osc/):
the seed's admin calls (pods, bindings, routings, jobs) as an operator types them."""
from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OPENSTACK = REPO / ".venv" / "bin" / "openstack"  # the project's venv: the plugin is in it


def osc(*args: str, cloud: str = "tricircle") -> subprocess.CompletedProcess:
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(REPO / ".testbed" / "clouds.yaml"),
               OS_CLOUD=cloud)
    return subprocess.run([str(OPENSTACK), "tricircle", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def ok(*args: str, cloud: str = "tricircle") -> list | dict:
    """A command's JSON answer; it must succeed."""
    done = osc(*args, "-f", "json", cloud=cloud)
    assert done.returncode == 0, f"openstack tricircle {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout)


def fails(*args: str, cloud: str = "tricircle") -> str:
    """A command that must fail: its error line."""
    done = osc(*args, cloud=cloud)
    assert done.returncode != 0, f"openstack tricircle {' '.join(args)}: {done.stdout}"
    return done.stderr.strip()


def test_bindings_and_routings_with_the_cli(testbed: Path, cloud: Callable,
                                            cleanup: Callable) -> None:
    project = uuid.uuid4().hex  # a project no other test binds
    made = ok("binding", "create", "--project", project, "--pod", "Pod3")
    cleanup(lambda: osc("binding", "delete", made["id"]))
    pod3 = ok("pod", "show", "Pod3")["pod_id"]
    assert (made["project_id"], made["pod_id"]) == (project, pod3)
    listed = ok("binding", "list", "--project", project, "--long")
    assert [(b["ID"], b["Pod"]) for b in listed] == [(made["id"], pod3)]
    assert ok("binding", "show", made["id"])["project_id"] == project
    assert fails("binding", "create", "--project", project, "--pod", "Pod3") == (
        f"Project {project} is already bound to a pod of availability zone az3. (HTTP 409)")
    osc_done = osc("binding", "delete", made["id"])
    assert osc_done.returncode == 0, osc_done.stderr
    assert ok("binding", "list", "--project", project) == []

    # A server group has one routing row (top id -> the pod's group): list, show, delete.
    demo = cloud("tricircle-demo")
    group = demo.compute.create_server_group(name="cli-routing", policies=["affinity"])
    cleanup(lambda: demo.compute.delete_server_group(group.id))
    rows = ok("routing", "list", "--top-id", group.id, "--long")
    assert [(r["Resource Type"], r["Project"]) for r in rows] == [
        ("server_group", demo.current_project_id)]
    shown = ok("routing", "show", str(rows[0]["ID"]))
    assert (shown["top_id"], shown["bottom_id"]) == (group.id, rows[0]["Bottom ID"])
    names = {p["ID"]: p["Name"] for p in ok("pod", "list")}
    home = names[shown["pod_id"]]
    other = next(n for n in ("Pod1", "Pod2") if n != home)
    # --pod by name: the group's pod lists the row, another pod does not.
    assert ok("routing", "list", "--top-id", group.id, "--pod", home, "-c", "ID") == [
        {"ID": rows[0]["ID"]}]
    assert ok("routing", "list", "--top-id", group.id, "--pod", other, "-c", "ID") == []
    # Paging: --limit is one page, and --marker the page after it.
    first = ok("routing", "list", "--limit", "2")
    assert len(first) == 2
    after = ok("routing", "list", "--limit", "1", "--marker", str(first[0]["ID"]))
    assert after == first[1:]
    done = osc("routing", "delete", str(rows[0]["ID"]))
    assert done.returncode == 0, done.stderr
    assert fails("routing", "show", str(rows[0]["ID"])) == (
        f"Routing {rows[0]['ID']} could not be found. (HTTP 404)")
    pod_group = cloud("pod1").compute.find_server_group(rows[0]["Bottom ID"],
                                                        all_projects=True)
    if pod_group is not None:  # no routing row now: the pod's group is ours to remove
        cloud("pod1").compute.delete_server_group(pod_group.id)


def test_a_member_is_refused_as_the_api_refuses_it(testbed: Path) -> None:
    assert fails("pod", "list", cloud="tricircle-demo") == (
        "Policy does not allow admin_api:pods:list to be performed. (HTTP 403)")
    assert fails("job", "show", "no-such-job") == (
        "Job no-such-job could not be found. (HTTP 404)")
    assert "status must be one of" in fails("job", "list", "--status", "sleeping")


@pytest.mark.disruptive  # a pod registered for a moment is an AZ every test would see
def test_pods_and_jobs_with_the_cli(testbed: Path, cloud: Callable, unique: str,
                                    cleanup: Callable) -> None:
    identity = cloud("tricircle").identity
    region = identity.create_region(id=f"Cli{unique}")
    cleanup(lambda: identity.delete_region(region.id))
    az = f"az-{unique}"
    pod = ok("pod", "create", region.id, "--az", az)
    cleanup(lambda: osc("pod", "delete", pod["pod_id"]))
    assert (pod["pod_name"], pod["az_name"]) == (region.id, az)
    listed = {p["Name"]: p for p in ok("pod", "list", "--long")}
    assert listed[region.id]["Availability Zone"] == az
    assert {"Pod1", "Pod2", "Pod3", "RegionOne"} <= set(listed)
    assert listed["Pod1"]["Health"] == "compute=up, network=up, volumev3=up"
    assert [p["Name"] for p in ok("pod", "list", "--az", az)] == [region.id]
    assert ok("pod", "show", region.id)["pod_id"] == pod["pod_id"]
    assert osc("pod", "show", pod["pod_id"], "-c", "az_name", "-f", "value").stdout == az + "\n"
    assert fails("pod", "create", f"Nowhere{unique}", "--az", az) == (
        f"Nowhere{unique} is not a region in Keystone. (HTTP 422)")
    done = osc("pod", "delete", region.id)
    assert done.returncode == 0, done.stderr
    assert fails("pod", "show", region.id) == (
        f"No pod with a name or ID of '{region.id}' exists.")

    # Jobs: a reconciler pass asked for now, followed to its end, then removed.
    job = ok("pod", "sync", "start", "Pod3")
    assert job["type"] == "reconcile_pod"
    deadline = time.monotonic() + 120
    while (status := ok("job", "show", job["id"])["status"]) != "SUCCESS":
        assert status in ("NEW", "RUNNING") and time.monotonic() < deadline, status
        time.sleep(1)
    assert job["id"] in {j["ID"] for j in ok("job", "list", "--type", "reconcile_pod",
                                                 "--status", "SUCCESS")}
    assert fails("job", "redo", job["id"]) == (
        f"Job {job['id']} is SUCCESS; only FAIL or NEW jobs can be redone. (HTTP 409)")
    assert ok("pod", "sync", "show", "Pod3")["pod_id"] == ok("pod", "show", "Pod3")["pod_id"]
    done = osc("job", "delete", job["id"])
    assert done.returncode == 0, done.stderr
    assert fails("job", "show", job["id"]) == f"Job {job['id']} could not be found. (HTTP 404)"
