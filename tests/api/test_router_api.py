"""Top routers and interfaces (Neutron v2.0 shapes and errors), in process: what is
refused is refused before anything is made, and what is accepted is the top state plus
one queued job."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.api.test_network_api import NET, neutron_error, subnet
from tests.apiclient import make_pods
from tricircle.core import db
from tricircle.core.conf import CONF
from tricircle.core.db.models import Bridge, BridgePort, Job, Pod, Port, utcnow


def router(api, name: str = "r1", as_: str = "demo") -> dict:
    status, body = api("POST", f"{NET}/routers", {"router": {"name": name}}, as_=as_)
    assert status == 201, body
    return body["router"]


def network(api, hints: list[str], as_: str = "demo") -> dict:
    status, body = api("POST", f"{NET}/networks", {"network": {
        "availability_zone_hints": hints}}, as_=as_)
    assert status == 201, body
    return body["network"]


def add(api, router_id: str, as_: str = "demo", **body) -> tuple[int, dict]:
    return api("PUT", f"{NET}/routers/{router_id}/add_router_interface", body, as_=as_)


def remove(api, router_id: str, as_: str = "demo", **body) -> tuple[int, dict]:
    return api("PUT", f"{NET}/routers/{router_id}/remove_router_interface", body, as_=as_)


def counts() -> dict[str, int]:
    with db.transaction() as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (Port, Bridge, BridgePort, Job)}


def test_routers_are_neutrons(api) -> None:
    made = router(api)
    assert made["status"] == "ACTIVE" and made["routes"] == []
    assert made["external_gateway_info"] is None and made["project_id"] == made["tenant_id"]
    status, body = api("GET", f"{NET}/routers?name=r1", as_="demo")
    assert status == 200 and [r["id"] for r in body["routers"]] == [made["id"]]
    assert api("GET", f"{NET}/routers", as_="admin")[1]["routers"][0]["id"] == made["id"]
    status, body = api("PUT", f"{NET}/routers/{made['id']}", {"router": {"name": "r2"}},
                       as_="demo")
    assert (status, body["router"]["name"], body["router"]["revision_number"]) == (200, "r2", 2)
    net = api("POST", f"{NET}/networks", {"network": {}}, as_="demo")[1]["network"]
    for bad in ({"name": 7}, {"routes": [{"destination": "10.0.0.0/24"}]},
                {"external_gateway_info": {"network_id": net["id"]}}, {"colour": "red"},
                {"distributed": "maybe"}):
        status, body = api("PUT", f"{NET}/routers/{made['id']}", {"router": bad}, as_="demo")
        assert status == 400 and neutron_error(body) in ("HTTPBadRequest", "BadRequest"), bad
    # As Neutron: a gateway on a network that is not there is a 404; choosing a
    # distributed router is for admins (and this cloud has none); null routes clear them.
    status, body = api("PUT", f"{NET}/routers/{made['id']}",
                       {"router": {"external_gateway_info": {"network_id": "x"}}}, as_="demo")
    assert (status, neutron_error(body)) == (404, "NetworkNotFound")
    status, body = api("POST", f"{NET}/routers", {"router": {"distributed": True}}, as_="demo")
    assert (status, neutron_error(body)) == (403, "PolicyNotAuthorized")
    status, body = api("POST", f"{NET}/routers", {"router": {"distributed": True}},
                       as_="admin")
    assert (status, neutron_error(body)) == (400, "BadRequest")
    status, body = api("PUT", f"{NET}/routers/{made['id']}", {"router": {"routes": None}},
                       as_="demo")
    assert status == 200 and body["router"]["routes"] == []
    status, body = api("POST", f"{NET}/routers", {"router": {"routes": []}}, as_="demo")
    assert (status, neutron_error(body)) == (400, "HTTPBadRequest")
    theirs = router(api, "admins", as_="admin")
    status, body = api("GET", f"{NET}/routers/{theirs['id']}", as_="demo")
    assert (status, neutron_error(body)) == (404, "RouterNotFound")
    assert api("DELETE", f"{NET}/routers/{theirs['id']}", as_="demo")[0] == 404
    assert api("DELETE", f"{NET}/routers/{made['id']}", as_="demo")[0] == 204
    assert api("GET", f"{NET}/routers/{made['id']}", as_="demo")[0] == 404


def test_a_network_without_one_az_hint_cannot_join_a_router(api) -> None:
    make_pods(api)
    r = router(api)
    for hints in ([], ["az1", "az2"]):
        sub = subnet(api, network(api, hints)["id"], "10.1.0.0/24")
        before = counts()
        status, body = add(api, r["id"], subnet_id=sub["id"])
        assert (status, neutron_error(body)) == (400, "BadRequest"), body
        assert "availability zone hint" in body["NeutronError"]["message"]
        assert counts() == before  # nothing made: no port, no bridge, no job
        api("DELETE", f"{NET}/subnets/{sub['id']}", as_="demo")


def test_a_network_without_hints_joins_in_the_default_zone(api) -> None:
    """Neutron's default_availability_zones: the network lives there (hints stay empty)."""
    make_pods(api)
    CONF.set_override("default_availability_zones", ["az2", "az1"], "network")
    try:
        net = network(api, [])
        assert (net["availability_zone_hints"], net["availability_zones"]) == ([], ["az2"])
        r = router(api)
        status, body = add(api, r["id"], subnet_id=subnet(api, net["id"], "10.1.0.0/24")["id"])
        assert status == 200, body
        shown = api("GET", f"{NET}/routers/{r['id']}", as_="demo")[1]["router"]
        assert shown["availability_zones"] == ["az2"]
        with db.transaction() as s:  # the router's bridge IP is in the default zone's pod
            (bport,) = s.scalars(select(BridgePort)).all()
            assert s.scalar(select(Pod.az_name).where(Pod.pod_id == bport.pod_id)) == "az2"
        # Several hints are still refused: a network joins a router in one pod.
        sub2 = subnet(api, network(api, ["az1", "az2"])["id"], "10.2.0.0/24")
        assert add(api, r["id"], subnet_id=sub2["id"])[0] == 400
    finally:
        CONF.clear_override("default_availability_zones", "network")


def test_interface_rules(api) -> None:
    make_pods(api)
    r = router(api)
    net1 = network(api, ["az1"])
    s1 = subnet(api, net1["id"], "10.0.1.0/24")
    s1b = subnet(api, network(api, ["az1"])["id"], "10.0.1.128/25")
    no_gw = subnet(api, network(api, ["az2"])["id"], "10.0.9.0/24", gateway_ip=None)
    for body, status, kind in (
            ({}, 400, "BadRequest"),
            ({"subnet_id": s1["id"], "port_id": "x"}, 400, "BadRequest"),
            ({"subnet_id": 5}, 400, "BadRequest"),
            ({"router": "x"}, 400, "HTTPBadRequest"),
            ({"subnet_id": "nope"}, 404, "SubnetNotFound"),
            ({"port_id": "nope"}, 404, "PortNotFound"),
            ({"subnet_id": no_gw["id"]}, 400, "BadRequest")):
        got, err = add(api, r["id"], **body)
        assert (got, neutron_error(err)) == (status, kind), body
    status, info = add(api, r["id"], subnet_id=s1["id"])
    assert status == 200 and info["subnet_id"] == s1["id"] and info["id"] == r["id"]
    port = api("GET", f"{NET}/ports/{info['port_id']}", as_="demo")[1]["port"]
    assert port["device_owner"] == "network:router_interface" and port["device_id"] == r["id"]
    assert port["fixed_ips"] == [{"subnet_id": s1["id"], "ip_address": "10.0.1.1"}]
    assert add(api, r["id"], subnet_id=s1["id"])[0] == 400  # already attached
    status, body = add(api, r["id"], subnet_id=s1b["id"])
    assert status == 400 and "overlaps" in body["NeutronError"]["message"]
    status, body = api("DELETE", f"{NET}/ports/{info['port_id']}", as_="demo")
    assert (status, neutron_error(body)) == (409, "ServicePortInUse")
    status, body = api("DELETE", f"{NET}/routers/{r['id']}", as_="demo")
    assert (status, neutron_error(body)) == (409, "RouterInUse")
    theirs = router(api, "admins", as_="admin")
    assert add(api, theirs["id"], subnet_id=s1["id"])[0] == 404  # demo cannot see it
    shown = api("GET", f"{NET}/routers/{r['id']}", as_="demo")[1]["router"]
    assert shown["status"] == "ALLOCATING" and shown["availability_zones"] == ["az1"]

    # Routes: the nexthop must be on an attached subnet.
    status, body = api("PUT", f"{NET}/routers/{r['id']}", {"router": {"routes": [
        {"destination": "192.168.0.0/24", "nexthop": "10.9.9.9"}]}}, as_="demo")
    assert (status, neutron_error(body)) == (400, "InvalidRoutes")
    route = {"destination": "192.168.0.0/24", "nexthop": "10.0.1.9"}
    status, body = api("PUT", f"{NET}/routers/{r['id']}/add_extraroutes",
                       {"router": {"routes": [route]}}, as_="demo")
    assert status == 200 and body["router"]["routes"] == [route]
    status, body = remove(api, r["id"], subnet_id=s1["id"])
    assert (status, neutron_error(body)) == (409, "RouterInterfaceInUseByRoute")
    status, body = api("PUT", f"{NET}/routers/{r['id']}/remove_extraroutes",
                       {"router": {"routes": [route]}}, as_="demo")
    assert status == 200 and body["router"]["routes"] == []

    # By port: the port joins as it is; removal deletes it (as Neutron does).
    s2 = subnet(api, network(api, ["az2"])["id"], "10.0.2.0/24")
    status, body = api("POST", f"{NET}/ports", {"port": {"network_id": s2["network_id"]}},
                       as_="demo")
    status, info2 = add(api, r["id"], port_id=body["port"]["id"])
    assert status == 200 and info2["port_id"] == body["port"]["id"]
    assert add(api, r["id"], port_id=body["port"]["id"])[0] == 409  # PortInUse
    shown = api("GET", f"{NET}/routers/{r['id']}", as_="demo")[1]["router"]
    assert shown["availability_zones"] == ["az1", "az2"]
    with db.transaction() as s:
        bports = list(s.scalars(select(BridgePort)))
        bridge = s.scalar(select(Bridge))
    assert len(bports) == 2 and len({b.ip_address for b in bports}) == 2
    assert bridge.vlan == 2001 and bridge.cidr == "100.0.0.0/24"

    assert remove(api, r["id"], subnet_id=s2["id"], port_id=info["port_id"])[0] == 409
    status, body = remove(api, r["id"], subnet_id="nope")
    assert (status, neutron_error(body)) == (404, "RouterInterfaceNotFoundForSubnet")
    status, body = remove(api, r["id"], port_id="nope")
    assert (status, neutron_error(body)) == (404, "RouterInterfaceNotFound")
    assert remove(api, r["id"], port_id=info2["port_id"])[0] == 200
    assert api("GET", f"{NET}/ports/{info2['port_id']}", as_="demo")[0] == 404
    assert remove(api, r["id"], subnet_id=s1["id"])[0] == 200
    # The bridge IPs stay taken until the job has removed their ports from the pods (no
    # job runs here); adding back in a pod finds the same one.
    with db.transaction() as s:
        assert {b.ip_address for b in s.scalars(select(BridgePort))} == {
            b.ip_address for b in bports}
    assert add(api, r["id"], subnet_id=s1["id"])[0] == 200
    with db.transaction() as s:
        assert {b.ip_address for b in s.scalars(select(BridgePort))} == {
            b.ip_address for b in bports}
    assert remove(api, r["id"], subnet_id=s1["id"])[0] == 200
    assert api("DELETE", f"{NET}/routers/{r['id']}", as_="demo")[0] == 204


def test_planning_a_routers_pods_never_binds_a_project(api) -> None:
    """The job side reads bindings; only a user's request makes one."""
    from tricircle.core import errors  # noqa: PLC0415
    from tricircle.core.db.models import PodBinding  # noqa: PLC0415
    from tricircle.network.sync import routers as router_sync  # noqa: PLC0415

    make_pods(api)
    r = router(api)
    sub = subnet(api, network(api, ["az1"])["id"], "10.3.0.0/24")
    assert add(api, r["id"], subnet_id=sub["id"])[0] == 200
    plan = router_sync._plan(r["id"])
    assert [p.pod.pod_name for p in plan.wanted.values()] == ["Pod1"]
    with db.transaction() as s:
        s.execute(PodBinding.__table__.delete())
    with pytest.raises(errors.Conflict, match="no pod bound"):
        router_sync._plan(r["id"])
    with db.transaction() as s:
        assert s.scalars(select(PodBinding)).all() == []


def test_a_router_whose_sync_failed_says_error(api) -> None:
    from tricircle.core import jobs  # noqa: PLC0415

    make_pods(api)
    r = router(api)
    sub = subnet(api, network(api, ["az1"])["id"], "10.13.0.0/24")
    assert add(api, r["id"], subnet_id=sub["id"])[0] == 200
    shown = api("GET", f"{NET}/routers/{r['id']}", as_="demo")[1]["router"]
    assert shown["status"] == "ALLOCATING"
    with db.transaction() as s:  # only the router's job is due (the flavor syncs later)
        s.execute(Job.__table__.update().where(Job.type != "setup_router").values(
            run_after=utcnow() + dt.timedelta(hours=1)))
    job = jobs.claim("w", lease=30)
    assert job.type == "setup_router" and job.resource["router_id"] == r["id"]
    jobs.fail(job.id, "w", "PodUnavailable: Pod1 is down", max_attempts=1, delay=0)
    assert api("GET", f"{NET}/routers/{r['id']}", as_="demo")[1]["router"]["status"] == \
        "ERROR"
    [failed] = api("GET", f"/v1.0/jobs?status=fail&resource_key={r['id']}")[1]["jobs"]
    assert "Pod1 is down" in failed["last_error"]
    assert api("PUT", f"/v1.0/jobs/{job.id}")[0] == 200  # an operator retries it
    assert api("GET", f"{NET}/routers/{r['id']}", as_="demo")[1]["router"]["status"] == \
        "ALLOCATING"
