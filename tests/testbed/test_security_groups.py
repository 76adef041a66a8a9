"""Security groups' copies in a pod when a server boots there, through RegionOne with the
`openstack` CLI (their rules at the top: tests/api/test_security_groups.py)."""
from __future__ import annotations

from collections.abc import Callable

from tests.testbed.test_compute import IMAGE
from tests.testbed.test_l3 import wait_for
from tests.testbed.test_spine import openstack, openstack_error, openstack_ok, openstack_quiet


def test_a_servers_groups_are_copied_to_its_pod(flavor: str, cloud: Callable, unique: str,
                                                cleanup: Callable) -> None:
    demo = "tricircle-demo"
    group = openstack(demo, "security", "group", "create", unique)
    cleanup(lambda: openstack_quiet(demo, "security", "group", "delete", group["id"]))
    openstack(demo, "security", "group", "rule", "create", "--protocol", "tcp",
              "--dst-port", "22", group["id"])
    net = openstack(demo, "network", "create", "--availability-zone-hint", "az1", unique)
    cleanup(lambda: openstack_quiet(demo, "network", "delete", net["id"]))
    openstack(demo, "subnet", "create", "--network", net["id"], "--subnet-range",
              "10.8.0.0/24", unique)
    server = openstack(demo, "server", "create", "--flavor", flavor, "--image", IMAGE,
                       "--availability-zone", "az1", "--network", net["id"],
                       "--security-group", unique, "--wait", unique)
    cleanup(lambda: openstack_quiet(demo, "server", "delete", "--wait", server["id"]))
    (top_port,) = openstack(demo, "port", "list", "--server", server["id"], "--long")
    assert group["id"] in str(top_port["Security Groups"])
    pod1 = cloud("pod1").network
    (b_group,) = pod1.security_groups(name=group["id"])
    b_port = next(pod1.ports(device_id=server["id"]))
    assert b_port.security_group_ids == [b_group.id]
    rules = {(r.direction, r.protocol, r.port_range_min, r.remote_ip_prefix)
             for r in pod1.security_group_rules(security_group_id=b_group.id)}
    assert ("ingress", "tcp", 22, "0.0.0.0/0") in rules

    # A rule on a remote group reaches the pod as the project's CIDRs; changes follow.
    openstack(demo, "security", "group", "rule", "create", "--protocol", "udp",
              "--remote-group", group["id"], group["id"])
    wait_for("the rule to reach the pod", lambda: ("ingress", "udp", None, "10.8.0.0/24") in {
        (r.direction, r.protocol, r.port_range_min, r.remote_ip_prefix)
        for r in pod1.security_group_rules(security_group_id=b_group.id)})

    # Nova's add/removeSecurityGroup act on the top ports; the pod's copy follows, and
    # the server's groups are shown by their top names.
    openstack_ok(demo, "server", "remove", "security", "group", server["id"], unique)
    # At once: Nova shows the server's groups from its ports in the pod.
    assert pod1.get_port(b_port.id).security_group_ids == []
    assert "security_groups" not in cloud(demo).compute.get(
        f"/servers/{server['id']}").json()["server"]
    err = openstack_error(demo, "server", "remove", "security", "group", server["id"],
                          unique)
    assert "not associated" in err
    openstack_ok(demo, "server", "add", "security", "group", server["id"], "default")
    openstack_ok(demo, "server", "add", "security", "group", server["id"], unique)
    wait_for("the copy to take both", lambda: len(pod1.get_port(
        b_port.id).security_group_ids) == 2)
    names = {g["name"] for g in cloud(demo).compute.get(
        f"/servers/{server['id']}/os-security-groups").json()["security_groups"]}
    assert names == {"default", unique}
    assert "not found" in openstack_error(demo, "server", "add", "security", "group",
                                          server["id"], f"{unique}-none")
