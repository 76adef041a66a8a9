"""Every attribute a pod's copy carries follows the top when it changes there: read back
from the pod's own Neutron (the copies made by a boot and by a router interface)."""
from __future__ import annotations

from collections.abc import Callable

from tests.testbed.test_compute import IMAGE
from tests.testbed.test_l3 import converged, make_router, wait_for


def test_every_attribute_a_copy_carries_follows_the_top(flavor: str, cloud: Callable,
                                                        unique: str, cleanup: Callable) -> None:
    top, admin, pod1 = cloud("tricircle-demo"), cloud("tricircle"), cloud("pod1").network
    net = top.network.create_network(name=unique, availability_zone_hints=["az1"])
    cleanup(lambda: top.network.delete_network(net, ignore_missing=True))
    sub = top.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.12.0.0/24")
    routed = top.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.12.1.0/24")
    group, other = (top.network.create_security_group(name=n) for n in (unique, f"{unique}-2"))
    for g in (group, other):
        cleanup(lambda g=g: top.network.delete_security_group(g, ignore_missing=True))
    port = top.network.create_port(network_id=net.id, fixed_ips=[{"subnet_id": sub.id}],
                                   security_group_ids=[group.id],
                                   allowed_address_pairs=[{"ip_address": "10.12.0.77"}],
                                   extra_dhcp_opts=[{"opt_name": "domain-name",
                                                     "opt_value": "example.org"}])
    cleanup(lambda: top.network.delete_port(port, ignore_missing=True))
    server = top.compute.create_server(
        name=unique, flavor_id=top.compute.find_flavor(flavor).id,
        image_id=top.image.find_image(IMAGE).id, networks=[{"port": port.id}],
        availability_zone="az1")
    cleanup(lambda: top.compute.wait_for_delete(top.compute.delete_server(server) or server))
    top.compute.wait_for_server(server)
    router = make_router(top, unique, cleanup)
    top.network.add_interface_to_router(router, subnet_id=routed.id)
    converged(cloud, router.id)

    def copy(find: Callable, top_id: str):
        found = list(find(name=top_id))
        assert len(found) <= 1, f"{len(found)} copies of {top_id} in Pod1"
        return found[0] if found else None

    top.network.update_network(net, description="net d", is_admin_state_up=False, mtu=1400)
    admin.network.update_network(net, is_shared=True)  # policy: admins only
    top.network.update_subnet(sub, description="sub d", gateway_ip="10.12.0.254",
                              allocation_pools=[{"start": "10.12.0.100",
                                                 "end": "10.12.0.200"}],
                              is_dhcp_enabled=False, dns_nameservers=["10.0.0.9", "10.0.0.8"],
                              host_routes=[{"destination": "192.168.9.0/24",
                                            "nexthop": "10.12.0.9"}])
    top.network.update_port(port, description="port d", is_admin_state_up=False,
                            security_group_ids=[other.id],
                            allowed_address_pairs=[{"ip_address": "10.12.5.0/24"}],
                            extra_dhcp_opts=[{"opt_name": "domain-name", "opt_value": None},
                                             {"opt_name": "ntp-server",
                                              "opt_value": "10.12.0.5"}])
    top.network.update_router(router, description="router d", is_admin_state_up=False)
    top.network.update_security_group(group, description="group d")

    def followed() -> bool:
        b_net, b_sub = copy(pod1.networks, net.id), copy(pod1.subnets, sub.id)
        b_port, b_router = copy(pod1.ports, port.id), copy(pod1.routers, router.id)
        b_group, b_other = (copy(pod1.security_groups, g.id) for g in (group, other))
        if b_other is None:  # made when the port's copy follows its groups
            return False
        return (
            (b_net.description, b_net.is_admin_state_up, b_net.mtu, b_net.is_shared)
            == ("net d", False, 1400, True)
            and (b_sub.description, b_sub.gateway_ip, b_sub.allocation_pools,
                 b_sub.is_dhcp_enabled, b_sub.dns_nameservers, b_sub.host_routes)
            == ("sub d", "10.12.0.254", [{"start": "10.12.0.100", "end": "10.12.0.200"}],
                False, ["10.0.0.9", "10.0.0.8"],
                [{"destination": "192.168.9.0/24", "nexthop": "10.12.0.9"}])
            and (b_port.description, b_port.is_admin_state_up, b_port.security_group_ids,
                 b_port.allowed_address_pairs, b_port.extra_dhcp_opts)
            == ("port d", False, [b_other.id],
                [{"ip_address": "10.12.5.0/24", "mac_address": port.mac_address}],
                [{"opt_name": "ntp-server", "opt_value": "10.12.0.5", "ip_version": 4}])
            and (b_router.description, b_router.is_admin_state_up) == ("router d", False)
            and b_group.description == "group d")

    wait_for("the pod's copies to follow the top", followed, timeout=60)
