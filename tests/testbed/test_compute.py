"""Compute through RegionOne with the unchanged `openstack` CLI, backed by both pods."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tb import layout

from tests.testbed.test_l3 import wait_for
from tests.testbed.test_spine import (
    openstack,
    openstack_error,
    openstack_ok,
    openstack_quiet,
    wait_status,
)

IMAGE = "tiny-raw"


def boot(name: str, az: str, flavor: str, cleanup: Callable) -> dict:
    server = openstack("tricircle-demo", "server", "create", "--flavor", flavor, "--image",
                       IMAGE, "--availability-zone", az, "--no-network", "--wait", name)
    cleanup(lambda: openstack_quiet("tricircle-demo", "server", "delete", "--wait",
                                    server["id"]))
    return server


def test_servers_in_two_pods_through_one_region(flavor: str, cloud: Callable,
                                                unique: str, cleanup: Callable) -> None:
    with ThreadPoolExecutor(2) as pool:  # both boots at once: CI time
        one, two = pool.map(lambda n_az: boot(f"{unique}-{n_az[0]}", n_az[1], flavor,
                                              cleanup), (("a", "az1"), ("b", "az2")))
    assert one["status"] == two["status"] == "ACTIVE"
    assert one["OS-EXT-AZ:availability_zone"] == "az1"
    assert two["OS-EXT-AZ:availability_zone"] == "az2"
    # Each really lives in its pod, under the same id.
    assert cloud("pod1-demo").compute.get_server(one["id"]).name == f"{unique}-a"
    assert cloud("pod2-demo").compute.get_server(two["id"]).name == f"{unique}-b"

    listed = openstack("tricircle-demo", "server", "list", "--name", unique)
    assert {s["ID"] for s in listed} == {one["id"], two["id"]}

    openstack_ok("tricircle-demo", "server", "set", "--name", f"{unique}-renamed", one["id"])
    assert openstack("tricircle-demo", "server", "show", one["id"])["name"] == \
        f"{unique}-renamed"
    for action, status in (("stop", "SHUTOFF"), ("start", "ACTIVE"), ("pause", "PAUSED"),
                           ("unpause", "ACTIVE"), ("suspend", "SUSPENDED"),
                           ("resume", "ACTIVE")):
        openstack_ok("tricircle-demo", "server", action, two["id"])
        wait_status("server", two["id"], status)
    openstack_ok("tricircle-demo", "server", "reboot", "--wait", two["id"])
    openstack_ok("tricircle-demo", "server", "lock", two["id"])
    assert openstack("tricircle-demo", "server", "show", two["id"])["locked"] is True
    openstack_ok("tricircle-demo", "server", "unlock", two["id"])
    openstack_ok("tricircle-demo", "server", "set", "--property", "role=db", one["id"])
    assert openstack("tricircle-demo", "server", "show", one["id"])["properties"] == {
        "role": "db"}
    openstack_ok("tricircle-demo", "console", "log", "show", one["id"])

    openstack_ok("tricircle-demo", "server", "delete", "--wait", one["id"])
    assert "No Server found" in openstack_error("tricircle-demo", "server", "show", one["id"])


def test_another_projects_server_is_not_found(flavor: str, unique: str,
                                              cleanup: Callable) -> None:
    server = openstack("tricircle", "server", "create", "--flavor", flavor, "--image", IMAGE,
                       "--availability-zone", "az1", "--no-network", unique)
    cleanup(lambda: openstack_quiet("tricircle", "server", "delete", server["id"]))
    err = openstack_error("tricircle-demo", "server", "show", server["id"])
    assert "No Server found" in err


def test_a_server_without_az_or_with_an_unknown_az_is_refused(flavor: str,
                                                              unique: str) -> None:
    err = openstack_error("tricircle-demo", "server", "create", "--flavor", flavor,
                          "--image", IMAGE, "--no-network", unique)
    assert "availability_zone is required" in err and "400" in err
    err = openstack_error("tricircle-demo", "server", "create", "--flavor", flavor,
                          "--image", IMAGE, "--no-network", "--availability-zone", "az9",
                          unique)
    assert "No pod serves availability zone az9" in err and "400" in err


def test_keypairs_serve_boots_in_every_pod(flavor: str, cloud: Callable, unique: str,
                                           cleanup: Callable, tmp_path: Path) -> None:
    key = tmp_path / "id"
    made = openstack("tricircle-demo", "keypair", "create", "--private-key", str(key), unique)
    cleanup(lambda: openstack_quiet("tricircle-demo", "keypair", "delete", unique))
    assert key.read_text().startswith("-----BEGIN")
    fingerprints = {cloud(f"{pod}-demo").compute.get_keypair(unique).fingerprint
                    for pod in ("pod1", "pod2")}
    assert fingerprints == {made["fingerprint"]}
    assert unique in {k["Name"] for k in openstack("tricircle-demo", "keypair", "list")}
    for az in ("az1", "az2"):
        server = openstack("tricircle-demo", "server", "create", "--flavor", flavor, "--image",
                           IMAGE, "--availability-zone", az, "--no-network", "--key-name",
                           unique, "--wait", f"{unique}-{az}")
        cleanup(lambda s=server: openstack_quiet("tricircle-demo", "server", "delete",
                                                 s["id"]))
        assert server["key_name"] == unique
    openstack_ok("tricircle-demo", "keypair", "delete", unique)
    for pod in ("pod1", "pod2"):
        assert cloud(f"{pod}-demo").compute.find_keypair(unique) is None


def test_limits_are_the_pods_added_up(cloud: Callable) -> None:
    top = {row["Name"]: row["Value"] for row in openstack("tricircle-demo", "limits", "show",
                                                          "--absolute")}
    keys = [p.key for p in layout.saved_pods()]
    pods = [cloud(f"{k}-demo").compute.get_limits().absolute for k in keys]
    assert top["instances"] == sum(p.instances for p in pods)
    assert top["total_cores"] == sum(p.total_cores for p in pods)
    assert top["server_meta"] == min(p.server_meta for p in pods)
    assert top["max_total_volumes"] == sum(
        cloud(f"{k}-demo").block_storage.get_limits().absolute.max_total_volumes
        for k in keys)


def test_resize_and_console_through_one_region(flavor: str, cloud: Callable, unique: str,
                                               cleanup: Callable) -> None:
    bigger = openstack("tricircle", "flavor", "create", "--ram", "128", "--disk", "1",
                       "--vcpus", "1", f"{unique}-big")
    cleanup(lambda: openstack_quiet("tricircle", "flavor", "delete", bigger["id"]))
    server = boot(unique, "az2", flavor, cleanup)
    openstack_ok("tricircle-demo", "server", "resize", "--flavor", f"{unique}-big", "--wait",
                 server["id"])
    wait_status("server", server["id"], "VERIFY_RESIZE")
    openstack_ok("tricircle-demo", "server", "resize", "revert", server["id"])
    reverted = wait_status("server", server["id"], "ACTIVE")
    assert reverted["flavor"]["name"] == flavor
    openstack_ok("tricircle-demo", "server", "resize", "--flavor", f"{unique}-big", "--wait",
                 server["id"])
    wait_status("server", server["id"], "VERIFY_RESIZE")
    openstack_ok("tricircle-demo", "server", "resize", "confirm", server["id"])
    assert wait_status("server", server["id"], "ACTIVE")["flavor"]["name"] == f"{unique}-big"
    console = openstack("tricircle-demo", "console", "url", "show", server["id"])
    # The pod's own console URL (Pod2's noVNC), handed back as it is.
    assert console["url"].startswith("http://127.0.0.1:31024/")


def test_a_volume_quota_set_at_the_top_is_shared_out(cloud: Callable, unique: str,
                                                     cleanup: Callable) -> None:
    """PUT os-quota-sets through RegionOne: the pods' shares add up to what was set, a
    limit on one volume is the same in each; DELETE puts every pod back to defaults."""
    admin = cloud("tricircle")
    project = admin.identity.create_project(name=unique, domain_id="default")
    cleanup(lambda: admin.identity.delete_project(project.id))
    path = f"/os-quota-sets/{project.id}"
    keys = [p.key for p in layout.saved_pods()]

    def in_pods(key: str) -> list:
        return [cloud(k).block_storage.get(path).json()["quota_set"][key] for k in keys]

    defaults = admin.block_storage.get(f"{path}/defaults").json()["quota_set"]
    assert defaults["volumes"] == sum(in_pods("volumes"))
    resp = admin.block_storage.put(path, json={"quota_set": {
        "volumes": 7, "per_volume_gigabytes": 5}})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["quota_set"]["volumes"],
            resp.json()["quota_set"]["per_volume_gigabytes"]) == (7, 5)
    shown = admin.block_storage.get(path).json()["quota_set"]
    assert (shown["volumes"], shown["per_volume_gigabytes"]) == (7, 5)
    assert sum(in_pods("volumes")) == 7 and set(in_pods("per_volume_gigabytes")) == {5}
    bad = admin.block_storage.put(path, json={"quota_set": {"volumes": "many"}})
    assert bad.status_code == 400 and sum(in_pods("volumes")) == 7
    assert admin.block_storage.delete(path).status_code in (200, 202, 204)
    assert admin.block_storage.get(path).json()["quota_set"]["volumes"] == \
        defaults["volumes"]


def test_a_servers_actions_are_found_by_the_request_id_we_answered(
        flavor: str, cloud: Callable, unique: str, cleanup: Callable) -> None:
    compute = cloud("tricircle-demo").compute
    resp = compute.post("/servers", json={"server": {
        "name": unique, "imageRef": cloud("tricircle-demo").image.find_image(IMAGE).id,
        "flavorRef": compute.find_flavor(flavor).id, "availability_zone": "az1",
        "networks": "none"}}, microversion="2.37")
    assert resp.status_code == 202, resp.text
    server_id = resp.json()["server"]["id"]
    cleanup(lambda: compute.delete(f"/servers/{server_id}"))
    request_id = resp.headers["x-openstack-request-id"]
    wait_for("the server ACTIVE", lambda: compute.get(f"/servers/{server_id}").json()[
        "server"]["status"] == "ACTIVE")  # the action is recorded as it is built
    action = compute.get(f"/servers/{server_id}/os-instance-actions/{request_id}")
    assert action.status_code == 200, action.text
    assert action.json()["instanceAction"]["action"] == "create"
    # Once deleted, its actions are still there (2.21), as Nova keeps them.
    assert compute.delete(f"/servers/{server_id}").status_code == 204
    wait_for("the server to go", lambda: compute.get(
        f"/servers/{server_id}").status_code == 404)
    actions = compute.get(f"/servers/{server_id}/os-instance-actions", microversion="2.21")
    assert actions.status_code == 200, actions.text
    assert {a["action"] for a in actions.json()["instanceActions"]} == {"create", "delete"}


def test_the_volume_summary_adds_up_the_pods(cloud: Callable, unique: str,
                                             cleanup: Callable) -> None:
    storage = cloud("tricircle-demo").block_storage

    def summary() -> dict:
        resp = storage.get("/volumes/summary", microversion="3.36")
        assert resp.status_code == 200, resp.text
        return resp.json()["volume-summary"]
    before = summary()
    made = [storage.create_volume(size=1, name=f"{unique}-{az}", availability_zone=az,
                                  metadata={"k": az}) for az in ("az1", "az2")]
    for volume in made:
        cleanup(lambda volume=volume: storage.delete_volume(volume.id))
    for volume in made:  # a volume still being made cannot be deleted (400)
        storage.wait_for_status(volume, "available", wait=60)
    after = summary()
    assert (after["total_count"], after["total_size"]) == (
        before["total_count"] + 2, before["total_size"] + 2)
    assert {"az1", "az2"} <= set(after["metadata"]["k"])


def test_server_groups_live_in_one_pod_with_their_servers(
        flavor: str, cloud: Callable, unique: str, cleanup: Callable) -> None:
    group = openstack("tricircle-demo", "server", "group", "create", "--policy",
                      "anti-affinity", unique)
    cleanup(lambda: openstack_quiet("tricircle-demo", "server", "group", "delete",
                                    group["id"]))
    assert unique in [g["Name"] for g in openstack("tricircle-demo", "server", "group",
                                                   "list")]
    # A boot naming the group (and no zone) goes to the group's pod; another zone: 400.
    server = openstack("tricircle-demo", "server", "create", "--flavor", flavor, "--image",
                       IMAGE, "--no-network", "--hint", f"group={group['id']}", "--wait",
                       unique)
    cleanup(lambda: openstack_quiet("tricircle-demo", "server", "delete", "--wait",
                                    server["id"]))
    shown = openstack("tricircle-demo", "server", "group", "show", group["id"])
    assert shown["members"] == server["id"] or shown["members"] == [server["id"]], shown
    zone = server["OS-EXT-AZ:availability_zone"]
    other = "az2" if zone == "az1" else "az1"
    err = openstack_error("tricircle-demo", "server", "create", "--flavor", flavor,
                          "--image", IMAGE, "--no-network", "--availability-zone", other,
                          "--hint", f"group={group['id']}", f"{unique}-x")
    assert "400" in err and "server group" in err
    compute = cloud("tricircle-demo").compute
    assert [g["id"] for g in compute.get(
        "/os-server-groups?limit=1&offset=0").json()["server_groups"]] != []
    openstack_ok("tricircle-demo", "server", "delete", "--wait", server["id"])
    openstack_ok("tricircle-demo", "server", "group", "delete", group["id"])
    assert compute.get(f"/os-server-groups/{group['id']}").status_code == 404


def test_hypervisors_of_every_pod(cloud: Callable) -> None:
    keys = [p.key for p in layout.saved_pods()]
    theirs = {h["id"] for k in keys for h in cloud(k).compute.get(
        "/os-hypervisors", microversion="2.53").json()["hypervisors"]}
    top = cloud("tricircle").compute
    ours = top.get("/os-hypervisors/detail", microversion="2.53").json()["hypervisors"]
    assert {h["id"] for h in ours} == theirs and len(ours) == len(keys)
    one = top.get(f"/os-hypervisors/{ours[-1]['id']}", microversion="2.53")
    assert one.status_code == 200 and one.json()["hypervisor"]["id"] == ours[-1]["id"]
    assert len(top.get("/os-hypervisors?limit=1", microversion="2.53").json()[
        "hypervisors"]) == 1
    assert cloud("tricircle-demo").compute.get("/os-hypervisors").status_code == 403
