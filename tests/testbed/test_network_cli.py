"""The top network API through RegionOne with the `openstack` CLI."""
from __future__ import annotations

from collections.abc import Callable

from tests.testbed.test_spine import openstack, openstack_error, openstack_ok, openstack_quiet


def test_networks_through_regionone_with_the_cli(testbed, unique: str,
                                                 cleanup: Callable) -> None:
    made = openstack("tricircle-demo", "network", "create", "--availability-zone-hint", "az1",
                     unique)
    cleanup(lambda: openstack_quiet("tricircle-demo", "network", "delete", made["id"]))
    assert made["availability_zone_hints"] == ["az1"]
    sub = openstack("tricircle-demo", "subnet", "create", "--network", made["id"],
                    "--subnet-range", "10.50.0.0/24", f"{unique}-sub")
    cleanup(lambda: openstack_quiet("tricircle-demo", "subnet", "delete", sub["id"]))
    assert sub["gateway_ip"] == "10.50.0.1"
    port = openstack("tricircle-demo", "port", "create", "--network", made["id"],
                     "--fixed-ip", "subnet=" + sub["id"] + ",ip-address=10.50.0.9",
                     f"{unique}-port")
    cleanup(lambda: openstack_quiet("tricircle-demo", "port", "delete", port["id"]))
    assert port["fixed_ips"][0]["ip_address"] == "10.50.0.9"
    assert unique in {n["Name"] for n in openstack("tricircle-demo", "network", "list")}
    err = openstack_error("tricircle-demo", "network", "create", "--availability-zone-hint",
                          "az9", f"{unique}-bad")
    assert "az9" in err
    openstack_ok("tricircle-demo", "port", "delete", port["id"])
    openstack_ok("tricircle-demo", "subnet", "delete", sub["id"])
    openstack_ok("tricircle-demo", "network", "delete", made["id"])
