"""The pods' per-project quotas never refuse what Tricircle copies in a project's name:
they are lifted before its first copy in a pod, and again if the pod counts them since
(an operator set them back). Neutron 29 allows 30 routes a router (router_route) and 100
security group rules a project by default."""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.testbed.test_compute import IMAGE
from tests.testbed.test_l3 import converged, make_net, make_router, wait_for

pytestmark = pytest.mark.xdist_group("vlans")  # routers across pods take bridge VLANs


def _quotas_back_to_defaults(cloud: Callable, project_id: str) -> None:
    """As an operator would: the project's quotas in Pod2 as Neutron's defaults."""
    resp = cloud("pod2").network.delete(f"/quotas/{project_id}")
    assert resp.status_code in (204, 404), resp.text


def test_a_router_reaching_35_cidrs_in_another_pod_converges(
        cloud: Callable, unique: str, cleanup: Callable) -> None:
    top = cloud("tricircle-demo")
    _quotas_back_to_defaults(cloud, top.current_project_id)
    with ThreadPoolExecutor(max_workers=4) as pool:  # as a client in a hurry would
        subnets = list(pool.map(lambda i: make_net(
            top, f"{unique}-{i}", "az1", f"10.87.{i}.0/24", cleanup)[1], range(35)))
        subnets.append(make_net(top, f"{unique}-far", "az2", "10.88.0.0/24", cleanup)[1])
        router = make_router(top, unique, cleanup)  # undone first: its interfaces go
        list(pool.map(lambda sub: top.network.add_interface_to_router(
            router, subnet_id=sub.id), subnets))
    converged(cloud, router.id)
    [copy] = cloud("pod2").network.routers(name=router.id)
    routes = cloud("pod2").network.get_router(copy.id).routes
    assert sorted(r["destination"] for r in routes) == sorted(
        f"10.87.{i}.0/24" for i in range(35))
    assert top.network.get_router(router.id).status == "ACTIVE"


def test_a_group_of_120_rules_is_copied_whole(flavor: str, cloud: Callable, unique: str,
                                              cleanup: Callable) -> None:
    top = cloud("tricircle-demo")
    _quotas_back_to_defaults(cloud, top.current_project_id)
    group = top.network.create_security_group(name=unique)
    cleanup(lambda: top.network.delete_security_group(group, ignore_missing=True))
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda port: top.network.create_security_group_rule(
            security_group_id=group.id, direction="ingress", protocol="tcp",
            port_range_min=port, port_range_max=port), range(2000, 2120)))
    net, _ = make_net(top, unique, "az2", "10.89.0.0/24", cleanup)
    image = top.image.find_image(IMAGE).id
    server = top.compute.create_server(
        name=unique, image_id=image, flavor_id=top.compute.find_flavor(flavor).id,
        availability_zone="az2", networks=[{"uuid": net.id}],
        security_groups=[{"name": group.id}])
    cleanup(lambda: top.compute.delete_server(server, ignore_missing=True))
    top.compute.wait_for_server(server, wait=180)
    pod2 = cloud("pod2").network

    def copied() -> int:
        found = list(pod2.security_groups(name=group.id))
        return found and len([r for r in pod2.security_group_rules(
            security_group_id=found[0].id) if r.protocol == "tcp"])
    wait_for("the group's 120 rules in Pod2", lambda: copied() == 120, timeout=180)
