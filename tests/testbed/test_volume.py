"""Volumes and images through RegionOne with the unchanged `openstack` CLI."""
from __future__ import annotations

from collections.abc import Callable

import requests
from tb import layout

from tests.testbed.test_compute import IMAGE, boot
from tests.testbed.test_l3 import wait_for
from tests.testbed.test_spine import (
    openstack,
    openstack_error,
    openstack_ok,
    openstack_quiet,
    wait_status,
)


def make_volume(name: str, az: str, cleanup: Callable) -> dict:
    volume = openstack("tricircle-demo", "volume", "create", "--size", "1",
                       "--availability-zone", az, name)
    cleanup(lambda: openstack_quiet("tricircle-demo", "volume", "delete", volume["id"]))
    wait_status("volume", volume["id"], "available")
    return volume


def test_volumes_in_two_pods(cloud: Callable, unique: str, cleanup: Callable) -> None:
    one = make_volume(f"{unique}-a", "az1", cleanup)
    two = make_volume(f"{unique}-b", "az2", cleanup)
    assert cloud("pod1-demo").block_storage.get_volume(one["id"]).name == f"{unique}-a"
    assert cloud("pod2-demo").block_storage.get_volume(two["id"]).name == f"{unique}-b"
    shown = wait_status("volume", two["id"], "available")
    assert shown["availability_zone"] == "az2"
    listed = openstack("tricircle-demo", "volume", "list", "--name", f"{unique}-a")
    assert [v["ID"] for v in listed] == [one["id"]]
    everything = {v["ID"] for v in openstack("tricircle-demo", "volume", "list")}
    assert {one["id"], two["id"]} <= everything
    openstack_ok("tricircle-demo", "volume", "set", "--name", f"{unique}-renamed", one["id"])
    openstack_ok("tricircle-demo", "volume", "set", "--size", "2", one["id"])
    extended = wait_status("volume", one["id"], "available")
    assert (extended["name"], extended["size"]) == (f"{unique}-renamed", 2)
    assert openstack("tricircle-demo", "volume", "type", "list")
    openstack_ok("tricircle-demo", "volume", "delete", two["id"])


def test_attach_within_a_pod_and_refuse_across(flavor: str, unique: str,
                                               cleanup: Callable) -> None:
    server = boot(f"{unique}-vm", "az1", flavor, cleanup)
    here = make_volume(f"{unique}-here", "az1", cleanup)
    there = make_volume(f"{unique}-there", "az2", cleanup)
    err = openstack_error("tricircle-demo", "server", "add", "volume", server["id"],
                          there["id"])
    assert "attaches only within its pod" in err
    openstack_ok("tricircle-demo", "server", "add", "volume", server["id"], here["id"])
    attached = wait_status("volume", here["id"], "in-use")
    assert attached["attachments"][0]["server_id"] == server["id"]
    openstack_ok("tricircle-demo", "server", "remove", "volume", server["id"], here["id"])
    wait_status("volume", here["id"], "available")


def test_images_come_from_the_shared_glance() -> None:
    images = openstack("tricircle-demo", "image", "list")
    assert IMAGE in {i["Name"] for i in images}


def test_another_projects_volume_is_not_found(unique: str, cleanup: Callable) -> None:
    volume = openstack("tricircle", "volume", "create", "--size", "1",
                       "--availability-zone", "az1", unique)
    cleanup(lambda: openstack_quiet("tricircle", "volume", "delete", volume["id"]))
    err = openstack_error("tricircle-demo", "volume", "show", volume["id"])
    assert "No Volume found" in err


def test_snapshots_live_in_their_volumes_pod(cloud: Callable, unique: str,
                                             cleanup: Callable) -> None:
    volume = make_volume(unique, "az2", cleanup)
    snap = openstack("tricircle-demo", "volume", "snapshot", "create", "--volume",
                     volume["id"], f"{unique}-snap")
    cleanup(lambda: openstack_quiet("tricircle-demo", "volume", "snapshot", "delete",
                                    snap["id"]))
    assert cloud("pod2-demo").block_storage.get_snapshot(snap["id"]).volume_id == volume["id"]
    wait_status("volume snapshot", snap["id"], "available")
    listed = openstack("tricircle-demo", "volume", "snapshot", "list")
    assert snap["id"] in {s["ID"] for s in listed}
    openstack_ok("tricircle-demo", "volume", "snapshot", "delete", snap["id"])


def test_novas_volume_proxy_answers_from_the_volumes_pod(cloud: Callable, unique: str,
                                                          cleanup: Callable) -> None:
    """os-volumes and os-snapshots (Nova's proxies of Cinder, before 2.36), as tempest's
    compute volume tests and older clients call them."""
    compute = cloud("tricircle-demo").compute
    old = {"OpenStack-API-Version": "compute 2.35"}
    made = compute.post("/os-volumes", json={"volume": {
        "size": 1, "display_name": unique, "availability_zone": "az2"}}, headers=old)
    assert made.status_code == 200, made.text
    volume = made.json()["volume"]
    cleanup(lambda: compute.delete(f"/os-volumes/{volume['id']}", headers=old))
    assert volume["availabilityZone"] == "az2"
    assert cloud("pod2-demo").block_storage.get_volume(volume["id"]).name == unique
    wait_status("volume", volume["id"], "available")
    shown = compute.get(f"/os-volumes/{volume['id']}", headers=old).json()["volume"]
    assert (shown["displayName"], shown["status"]) == (unique, "available")
    listed = compute.get("/os-volumes/detail", headers=old).json()["volumes"]
    assert volume["id"] in {v["id"] for v in listed}
    snap = compute.post("/os-snapshots", json={"snapshot": {
        "volume_id": volume["id"], "display_name": unique}}, headers=old)
    assert snap.status_code == 200, snap.text
    snap_id = snap.json()["snapshot"]["id"]
    assert cloud("pod2-demo").block_storage.get_snapshot(snap_id).volume_id == volume["id"]
    wait_status("volume snapshot", snap_id, "available")
    assert compute.delete(f"/os-snapshots/{snap_id}", headers=old).status_code == 202
    wait_for("the snapshot to go", lambda: compute.get(
        f"/os-snapshots/{snap_id}", headers=old).status_code == 404)
    # From 2.36 on Nova has no such proxy: its 404, as a pod gives it.
    gone = compute.get(f"/os-volumes/{volume['id']}",
                       headers={"OpenStack-API-Version": "compute 2.36"})
    assert gone.status_code == 404


def test_the_volume_root_and_extensions_answer_as_cinders(cloud: Callable) -> None:
    ours = requests.get(f"http://{layout.HOST}:{layout.TRICIRCLE_PORT}/volume/")
    theirs = requests.get(layout.Pod(1).url("cinder").rsplit("/v3", 1)[0] + "/")
    assert ours.status_code == theirs.status_code == 300
    assert [v["id"] for v in ours.json()["versions"]] == ["v3.0"]
    volume = cloud("tricircle-demo").block_storage
    listed = volume.get("/extensions").json()["extensions"]
    assert {e["alias"] for e in listed} == {
        e["alias"] for e in cloud("pod1-demo").block_storage.get("/extensions").json()[
            "extensions"]}


def test_volume_types_are_made_alike_in_every_pod(cloud: Callable, unique: str,
                                                  cleanup: Callable) -> None:
    """A type made through RegionOne (with the `openstack` CLI): in every pod by name,
    its top id the first pod's; its changes, extra specs and project access follow;
    a volume of any pod takes it by top id; deleting it deletes it everywhere."""
    keys = [p.key for p in layout.saved_pods()]

    def in_pods() -> list[dict]:
        found = []
        for k in keys:
            types = cloud(k).block_storage.get("/types?is_public=None").json()["volume_types"]
            found += [t for t in types if t["name"].startswith(unique)]
        return found

    # Scoped specs ("t:"): the scheduler's capabilities filter leaves them alone.
    made = openstack("tricircle", "volume", "type", "create", "--property", "t:k=v",
                     "--description", "d", unique)
    cleanup(lambda: openstack_quiet("tricircle", "volume", "type", "delete", made["id"]))
    copies = in_pods()
    assert len(copies) == len(keys) and copies[0]["id"] == made["id"]
    assert all(c["extra_specs"] == {"t:k": "v"} for c in copies)
    err = openstack_error("tricircle", "volume", "type", "create", unique)
    assert "409" in err or "already exists" in err
    assert len(in_pods()) == len(keys)  # the refused duplicate made nothing

    openstack_ok("tricircle", "volume", "type", "set", "--name", f"{unique}-2",
                 "--description", "e", "--property", "t:k2=v2", made["id"])
    openstack_ok("tricircle", "volume", "type", "unset", "--property", "t:k", made["id"])
    assert [(c["name"], c["description"], c["extra_specs"]) for c in in_pods()] == \
        [(f"{unique}-2", "e", {"t:k2": "v2"})] * len(keys)
    shown = openstack("tricircle", "volume", "type", "show", made["id"])
    assert (shown["name"], shown["properties"]) == (f"{unique}-2", {"t:k2": "v2"})

    # A volume in the second pod's zone takes the type by its top id.
    volume = openstack("tricircle-demo", "volume", "create", "--size", "1", "--type",
                       made["id"], "--availability-zone", "az2", unique)
    cleanup(lambda: openstack_quiet("tricircle-demo", "volume", "delete", volume["id"]))
    wait_status("volume", volume["id"], "available")
    assert openstack("tricircle-demo", "volume", "show", volume["id"])["type"] == \
        f"{unique}-2"
    openstack_ok("tricircle-demo", "volume", "delete", volume["id"])
    wait_for("the volume to go", lambda: not [
        v for v in openstack("tricircle-demo", "volume", "list") if v["ID"] == volume["id"]])

    openstack_ok("tricircle", "volume", "type", "delete", made["id"])
    assert in_pods() == []


def test_a_volume_transferred_belongs_to_the_project_that_accepted(
        unique: str, cleanup: Callable) -> None:
    volume = make_volume(unique, "az2", cleanup)
    transfer = openstack("tricircle-demo", "volume", "transfer", "request", "create",
                         "--name", unique, volume["id"])
    assert transfer["auth_key"] and transfer["volume_id"] == volume["id"]
    listed = openstack("tricircle-demo", "volume", "transfer", "request", "list")
    assert transfer["id"] in [t["ID"] for t in listed]
    shown = openstack("tricircle-demo", "volume", "transfer", "request", "show",
                      transfer["id"])
    assert shown["volume_id"] == volume["id"]
    wait_status("volume", volume["id"], "awaiting-transfer")
    openstack_ok("tricircle-alt", "volume", "transfer", "request", "accept", "--auth-key",
                 transfer["auth_key"], transfer["id"])
    cleanup(lambda: openstack_quiet("tricircle-alt", "volume", "delete", volume["id"]))
    assert openstack("tricircle-alt", "volume", "show", volume["id"])["id"] == volume["id"]
    assert "No Volume found" in openstack_error(
        "tricircle-demo", "volume", "show", volume["id"])
    openstack_ok("tricircle-alt", "volume", "delete", volume["id"])
