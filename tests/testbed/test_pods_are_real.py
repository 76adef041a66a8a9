"""The testbed's pods are real OpenStack clouds: servers on real Neutron networks, volumes,
VLAN provider networks on physnet `bridge`, routers with interfaces and extra routes."""
from __future__ import annotations

import pytest

# VLANs of its own on the bridge: one at a time with the other VLAN tests (pytest-xdist).
pytestmark = pytest.mark.xdist_group("vlans")

BRIDGE_VLAN = {"pod1": 2101, "pod2": 2102}


@pytest.mark.parametrize("pod", ["pod1", "pod2"])
def test_pod_serves_compute_volume_and_network(cloud, cleanup, unique, pod):
    admin = cloud(pod)
    region = admin.config.region_name
    az = f"az{pod[-1]}"

    flavor = admin.compute.create_flavor(name=unique, ram=128, vcpus=1, disk=1)
    cleanup(lambda: admin.compute.delete_flavor(flavor))
    image = next(admin.image.images(name="tiny-raw"))

    # A tenant network, subnet and server booted on it: the port must bind with no agent.
    net = admin.network.create_network(name=unique)
    cleanup(lambda: admin.network.delete_network(net))
    subnet = admin.network.create_subnet(network_id=net.id, cidr="10.10.1.0/24",
                                         ip_version=4, name=unique)
    cleanup(lambda: admin.network.delete_subnet(subnet))
    server = admin.compute.create_server(name=unique, flavor_id=flavor.id, image_id=image.id,
                                         networks=[{"uuid": net.id}], availability_zone=az)

    def delete_server() -> None:
        admin.compute.delete_server(server)
        admin.compute.wait_for_delete(server, wait=60)
    cleanup(delete_server)
    server = admin.compute.wait_for_server(server, wait=120)
    assert server.status == "ACTIVE"
    assert server.availability_zone == az
    ips = [a["addr"] for a in server.addresses[unique]]
    assert len(ips) == 1 and ips[0].startswith("10.10.1.")
    port = next(admin.network.ports(device_id=server.id))
    assert port.binding_vif_type == "ovs" and port.status == "ACTIVE"

    # A volume in the pod's AZ, attached to the server and detached again.
    volume = admin.block_storage.create_volume(name=unique, size=1, availability_zone=az)
    cleanup(lambda: admin.block_storage.delete_volume(volume))
    volume = admin.block_storage.wait_for_status(volume, "available", wait=60)
    attachment = admin.compute.create_volume_attachment(server, volume_id=volume.id)
    volume = admin.block_storage.wait_for_status(volume, "in-use", wait=60)
    assert volume.attachments[0]["server_id"] == server.id
    admin.compute.delete_volume_attachment(server, attachment.id)
    admin.block_storage.wait_for_status(volume, "available", wait=60)

    # A VLAN provider network on the bridge physnet, with the VLAN id we choose.
    bridge = admin.network.create_network(
        name=f"{unique}-bridge", provider_network_type="vlan",
        provider_physical_network="bridge", provider_segmentation_id=BRIDGE_VLAN[pod])
    cleanup(lambda: admin.network.delete_network(bridge))
    assert bridge.provider_segmentation_id == BRIDGE_VLAN[pod]
    bridge_subnet = admin.network.create_subnet(network_id=bridge.id, cidr="100.0.0.0/24",
                                                ip_version=4, enable_dhcp=False)
    cleanup(lambda: admin.network.delete_subnet(bridge_subnet))
    bridge_port = admin.network.create_port(
        network_id=bridge.id, fixed_ips=[{"subnet_id": bridge_subnet.id,
                                          "ip_address": "100.0.0.5"}])
    cleanup(lambda: admin.network.delete_port(bridge_port))

    # A router with both interfaces and an extra route through the bridge.
    router = admin.network.create_router(name=unique)
    cleanup(lambda: admin.network.delete_router(router))
    admin.network.add_interface_to_router(router, subnet=subnet.id)
    cleanup(lambda: admin.network.remove_interface_from_router(router, subnet=subnet.id))
    admin.network.add_interface_to_router(router, port=bridge_port.id)
    cleanup(lambda: admin.network.remove_interface_from_router(router, port=bridge_port.id))
    routes = [{"destination": "10.10.2.0/24", "nexthop": "100.0.0.6"}]
    router = admin.network.update_router(router, routes=routes)
    cleanup(lambda: admin.network.update_router(router, routes=[]))
    assert admin.network.get_router(router.id).routes == routes
    assert region == f"Pod{pod[-1]}"


def test_same_vlan_and_cidr_in_two_pods_are_independent(cloud, cleanup, unique):
    """Tricircle's bridge plan uses one VLAN id and CIDR in every pod: each pod allows it."""
    nets = {}
    for pod in ("pod1", "pod2"):
        admin = cloud(pod)
        net = admin.network.create_network(
            name=unique, provider_network_type="vlan", provider_physical_network="bridge",
            provider_segmentation_id=2999)
        cleanup(lambda a=admin, n=net: a.network.delete_network(n))
        nets[pod] = net
    assert nets["pod1"].id != nets["pod2"].id
    assert {n.provider_segmentation_id for n in nets.values()} == {2999}


def test_catalog_has_one_region_per_pod_and_shared_image(cloud):
    admin = cloud("tricircle")
    regions = {r.id for r in admin.identity.regions()}
    assert {"RegionOne", "Pod1", "Pod2"} <= regions
    services = {s.id: s.type for s in admin.identity.services()}
    by_region: dict[str, set[str]] = {}
    urls = {}
    for ep in admin.identity.endpoints(interface="public"):
        by_region.setdefault(ep.region_id, set()).add(services[ep.service_id])
        if services[ep.service_id] == "image":
            urls[ep.region_id] = ep.url
    for region in ("Pod1", "Pod2"):
        assert {"compute", "volumev3", "network", "placement", "image"} <= by_region[region]
    assert len(set(urls.values())) == 1, "one shared Glance for every region"
