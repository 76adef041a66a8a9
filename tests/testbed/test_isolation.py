"""Tenants cannot reach each other through RegionOne, with real Keystone tokens of two
projects and real pods: what demo made, alt (a member of another project) cannot see,
change or use, and demo's objects are as they were afterwards (the whole matrix, every
route and verb, runs in process: tests/api/test_isolation.py)."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from openstack import exceptions as os_exc


def test_another_project_reaches_nothing(cloud: Callable, flavor: str, unique: str,
                                         cleanup: Callable) -> None:
    demo, alt = cloud("tricircle-demo"), cloud("tricircle-alt")
    net = demo.network.create_network(name=unique, availability_zone_hints=["az1"])
    cleanup(lambda: demo.network.delete_network(net, ignore_missing=True))
    sub = demo.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.61.0.0/24")
    cleanup(lambda: demo.network.delete_subnet(sub, ignore_missing=True))
    port = demo.network.create_port(network_id=net.id, name=unique)
    cleanup(lambda: demo.network.delete_port(port, ignore_missing=True))
    router = demo.network.create_router(name=unique)
    cleanup(lambda: demo.network.delete_router(router, ignore_missing=True))
    group = demo.network.create_security_group(name=unique)
    cleanup(lambda: demo.network.delete_security_group(group, ignore_missing=True))
    image = next(demo.image.images(name="tiny-raw"))
    server = demo.compute.create_server(name=unique, flavor_id=demo.compute.find_flavor(
        flavor).id, image_id=image.id, networks="none", availability_zone="az1")
    cleanup(lambda: demo.compute.delete_server(server, ignore_missing=True))
    volume = demo.block_storage.create_volume(size=1, name=unique, availability_zone="az1")
    cleanup(lambda: demo.block_storage.delete_volume(volume, ignore_missing=True))
    demo.compute.wait_for_server(server)

    hidden = [
        lambda: alt.network.get_network(net.id), lambda: alt.network.get_subnet(sub.id),
        lambda: alt.network.get_port(port.id), lambda: alt.network.get_router(router.id),
        lambda: alt.network.get_security_group(group.id),
        lambda: alt.network.update_network(net.id, name="x"),
        lambda: alt.network.delete_port(port.id, ignore_missing=False),
        lambda: alt.network.add_interface_to_router(router.id, subnet_id=sub.id),
        lambda: alt.compute.get_server(server.id),
        lambda: alt.compute.stop_server(server.id),
        lambda: alt.compute.delete_server(server.id, ignore_missing=False),
        lambda: alt.block_storage.get_volume(volume.id),
        lambda: alt.block_storage.delete_volume(volume.id, ignore_missing=False),
    ]
    for call in hidden:
        with pytest.raises((os_exc.NotFoundException, os_exc.ForbiddenException)):
            call()
    ours = {net.id, sub.id, port.id, router.id, group.id, server.id, volume.id}
    seen = {x.id for x in alt.network.networks()} | {x.id for x in alt.network.ports()} | \
        {x.id for x in alt.network.routers()} | \
        {x.id for x in alt.network.security_groups(project_id=net.project_id)} | \
        {x.id for x in alt.compute.servers()} | {x.id for x in alt.block_storage.volumes()}
    assert not ours & seen
    assert demo.network.get_network(net.id).name == unique
    assert demo.network.get_port(port.id).name == unique
    assert demo.compute.get_server(server.id).status == "ACTIVE"
    assert demo.block_storage.get_volume(volume.id).name == unique
