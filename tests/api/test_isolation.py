"""Tenants cannot reach each other: another project's ids and filters find nothing and
change nothing, and a router's interfaces are what its API made, never what a port's
user-settable fields claim."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.api.test_network_api import NET, neutron_error, subnet
from tests.api.test_router_api import add, network, remove, router
from tests.apiclient import make_pods
from tricircle.core import db
from tricircle.core.db import models
from tricircle.network import routers as top_routers


def rows() -> dict[str, int]:
    """Rows of every table: what a refused request must leave as it was."""
    with db.transaction() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t))
                for t in models.Base.metadata.sorted_tables}


def test_a_port_naming_another_projects_router_is_not_its_interface(api) -> None:
    make_pods(api)
    theirs = router(api, "a-router", as_="demo")
    b_net = network(api, ["az1"], as_="other")
    b_sub = subnet(api, b_net["id"], "10.9.0.0/24", as_="other")
    status, body = api("POST", f"{NET}/ports", {"port": {
        "network_id": b_net["id"], "device_owner": "network:router_interface",
        "device_id": theirs["id"]}}, as_="other")
    assert status == 201, body
    with db.transaction() as s:
        assert top_routers.interfaces(s, theirs["id"]) == []
    assert b_sub["id"] not in str(api("GET", f"{NET}/routers/{theirs['id']}", as_="demo"))
    assert api("DELETE", f"{NET}/routers/{theirs['id']}", as_="demo")[0] == 204


def test_an_interface_port_cannot_be_re_owned_or_deleted_by_the_port_api(api) -> None:
    make_pods(api)
    r = router(api)
    sub = subnet(api, network(api, ["az1"])["id"], "10.4.0.0/24")
    info = add(api, r["id"], subnet_id=sub["id"])[1]
    before = rows()
    for change in ({"device_owner": ""}, {"device_id": ""}, {"device_id": "elsewhere"}):
        status, body = api("PUT", f"{NET}/ports/{info['port_id']}", {"port": change},
                           as_="demo")
        assert (status, neutron_error(body)) == (409, "PortInUse"), change
    status, body = api("DELETE", f"{NET}/ports/{info['port_id']}", as_="demo")
    assert (status, neutron_error(body)) == (409, "ServicePortInUse")
    assert rows() == before
    # Renaming it is fine; the router API removes it.
    assert api("PUT", f"{NET}/ports/{info['port_id']}", {"port": {"name": "gw"}},
               as_="demo")[0] == 200
    assert remove(api, r["id"], subnet_id=sub["id"])[0] == 200
    assert api("GET", f"{NET}/ports/{info['port_id']}", as_="demo")[0] == 404


def test_a_port_of_one_router_cannot_join_another(api) -> None:
    make_pods(api)
    r1, r2 = router(api, "r1"), router(api, "r2")
    sub = subnet(api, network(api, ["az1"])["id"], "10.5.0.0/24")
    info = add(api, r1["id"], subnet_id=sub["id"])[1]
    status, body = add(api, r2["id"], port_id=info["port_id"])
    assert (status, neutron_error(body)) == (409, "PortInUse")


def test_listing_another_projects_groups_makes_nothing(api) -> None:
    make_pods(api)
    before = rows()
    for query in ("project_id=other-project", "tenant_id=other-project"):
        status, body = api("GET", f"{NET}/security-groups?{query}", as_="demo")
        assert status == 200 and body["security_groups"] == [], query
    after = rows()
    assert after == before
    # The caller's own default group is made on first listing, as Neutron does.
    mine = api("GET", f"{NET}/security-groups", as_="demo")[1]["security_groups"]
    assert [g["name"] for g in mine] == ["default"]
    assert mine[0]["project_id"] == "demo-project"


def _project_a(api) -> dict[str, str]:
    """One of everything in project A (demo), wired together."""
    net = network(api, ["az1"])
    sub = subnet(api, net["id"], "10.7.0.0/24")
    port = api("POST", f"{NET}/ports", {"port": {"network_id": net["id"]}},
               as_="demo")[1]["port"]
    r = router(api)
    add(api, r["id"], subnet_id=sub["id"])
    group = api("POST", f"{NET}/security-groups", {"security_group": {"name": "web"}},
                as_="demo")[1]["security_group"]
    rule = api("POST", f"{NET}/security-group-rules", {"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "protocol": "tcp"}},
        as_="demo")[1]["security_group_rule"]
    server = api("POST", "/compute/v2.1/servers", {"server": {
        "name": "a", "flavorRef": "1", "networks": "none", "availability_zone": "az1"}},
        as_="demo")[1]["server"]
    volume = api("POST", "/volume/v3/demo-project/volumes", {"volume": {
        "size": 1, "availability_zone": "az1"}}, as_="demo")[1]["volume"]
    return {"network": net["id"], "subnet": sub["id"], "port": port["id"], "router": r["id"],
            "group": group["id"], "rule": rule["id"], "server": server["id"],
            "volume": volume["id"]}


def test_another_project_finds_nothing_and_changes_nothing(api) -> None:
    """Every resource of A, every verb, as a member of B: 404 (403 where the API says
    so), and not one row changed anywhere."""
    make_pods(api)
    a = _project_a(api)
    api("GET", f"{NET}/security-groups", as_="other")  # B's own default group, made first
    before = rows()
    n, s_, p, r, g, ru = (a[k] for k in ("network", "subnet", "port", "router", "group",
                                         "rule"))
    compute, volume = "/compute/v2.1", "/volume/v3/other-project"
    refused = [
        ("GET", f"{NET}/networks/{n}", None), ("PUT", f"{NET}/networks/{n}",
                                               {"network": {"name": "x"}}),
        ("DELETE", f"{NET}/networks/{n}", None),
        ("GET", f"{NET}/subnets/{s_}", None), ("PUT", f"{NET}/subnets/{s_}",
                                               {"subnet": {"name": "x"}}),
        ("DELETE", f"{NET}/subnets/{s_}", None),
        ("GET", f"{NET}/ports/{p}", None), ("PUT", f"{NET}/ports/{p}", {"port": {"name": "x"}}),
        ("DELETE", f"{NET}/ports/{p}", None),
        ("GET", f"{NET}/routers/{r}", None), ("PUT", f"{NET}/routers/{r}",
                                              {"router": {"name": "x"}}),
        ("DELETE", f"{NET}/routers/{r}", None),
        ("PUT", f"{NET}/routers/{r}/add_router_interface", {"subnet_id": s_}),
        ("PUT", f"{NET}/routers/{r}/remove_router_interface", {"subnet_id": s_}),
        ("PUT", f"{NET}/routers/{r}/add_extraroutes", {"router": {"routes": []}}),
        ("PUT", f"{NET}/routers/{r}/remove_extraroutes", {"router": {"routes": []}}),
        ("GET", f"{NET}/security-groups/{g}", None),
        ("PUT", f"{NET}/security-groups/{g}", {"security_group": {"name": "x"}}),
        ("DELETE", f"{NET}/security-groups/{g}", None),
        ("GET", f"{NET}/security-group-rules/{ru}", None),
        ("DELETE", f"{NET}/security-group-rules/{ru}", None),
        # Creating into A's objects.
        ("POST", f"{NET}/subnets", {"subnet": {"network_id": n, "ip_version": 4,
                                               "cidr": "10.8.0.0/24"}}),
        ("POST", f"{NET}/ports", {"port": {"network_id": n}}),
        ("POST", f"{NET}/security-group-rules", {"security_group_rule": {
            "security_group_id": g, "direction": "ingress"}}),
        ("POST", f"{NET}/ports", {"port": {"network_id": n, "security_groups": [g]}}),
        # Compute and volume: another project's server or volume.
        ("GET", f"{compute}/servers/{a['server']}", None),
        ("PUT", f"{compute}/servers/{a['server']}", {"server": {"name": "x"}}),
        ("DELETE", f"{compute}/servers/{a['server']}", None),
        ("POST", f"{compute}/servers/{a['server']}/action", {"os-stop": None}),
        ("GET", f"{compute}/servers/{a['server']}/os-interface", None),
        ("POST", f"{compute}/servers/{a['server']}/os-volume_attachments",
         {"volumeAttachment": {"volumeId": a["volume"]}}),
        ("GET", f"{volume}/volumes/{a['volume']}", None),
        ("DELETE", f"{volume}/volumes/{a['volume']}", None),
        ("POST", f"{volume}/snapshots", {"snapshot": {"volume_id": a["volume"]}}),
    ]
    for method, path, body in refused:
        status, answer = api(method, path, body, as_="other")
        assert status in (403, 404), (method, path, status, answer)
    assert rows() == before
    # B's own router cannot take A's subnet, nor B's network A's group.
    b_router = router(api, "b", as_="other")
    before = rows()
    assert add(api, b_router["id"], as_="other", subnet_id=s_)[0] == 404
    assert add(api, b_router["id"], as_="other", port_id=p)[0] == 404
    assert rows() == before

    # Lists and filters by A's ids or project find nothing of A's.
    for path in (f"{NET}/networks?id={n}", f"{NET}/subnets?network_id={n}",
                 f"{NET}/ports?device_id={r}", f"{NET}/routers?project_id=demo-project",
                 f"{NET}/security-group-rules?security_group_id={g}",
                 f"{NET}/ports?tenant_id=demo-project",
                 f"{compute}/servers/detail?project_id=demo-project",
                 f"{compute}/servers?all_tenants=1", f"{volume}/volumes/detail"):
        status, answer = api("GET", path, as_="other")
        assert status in (200, 403), (path, answer)
        assert not {a[k] for k in a} & set(str(answer).replace("'", " ").split()), path
    assert rows() == before
    # The admin API: members see their own routings only, and no jobs.
    assert api("GET", "/v1.0/routings", as_="other")[1]["routings"] == []
    assert api("GET", "/v1.0/jobs", as_="other")[0] == 403


def test_neutrons_guarded_attributes_go_through_policy(api) -> None:
    """A shared network's users may make ports on it, but not choose their IP or MAC nor
    make them a network service's; its owner may. The rules are oslo.policy's, so an
    operator's policy file changes them."""
    from oslo_policy import _parser  # noqa: PLC0415

    from tricircle.core import policies  # noqa: PLC0415

    make_pods(api)
    shared = api("POST", f"{NET}/networks", {"network": {
        "shared": True, "availability_zone_hints": ["az1"]}})[1]["network"]
    sub = subnet(api, shared["id"], "10.11.0.0/24", as_="admin")
    before = rows()
    for extra, rule in (({"fixed_ips": [{"subnet_id": sub["id"], "ip_address": "10.11.0.9"}]},
                         "create_port:fixed_ips:ip_address"),
                        ({"mac_address": "fa:16:3e:00:00:09"}, "create_port:mac_address"),
                        ({"device_owner": "network:router_interface"},
                         "create_port:device_owner")):
        status, body = api("POST", f"{NET}/ports", {"port": {"network_id": shared["id"],
                                                             **extra}}, as_="demo")
        assert (status, neutron_error(body)) == (403, "PolicyNotAuthorized"), extra
        assert rule in body["NeutronError"]["message"]
    assert rows() == before
    port = api("POST", f"{NET}/ports", {"port": {"network_id": shared["id"],
                                                 "device_owner": "compute:az1"}},
               as_="demo")
    assert port[0] == 201, port
    status, body = api("PUT", f"{NET}/networks/{shared['id']}", {"network": {
        "shared": False}}, as_="demo")
    assert status in (403, 404)

    own = network(api, ["az1"])
    own_sub = subnet(api, own["id"], "10.12.0.0/24")
    mac = {"network_id": own["id"], "mac_address": "fa:16:3e:00:00:0a",
           "fixed_ips": [{"subnet_id": own_sub["id"], "ip_address": "10.12.0.9"}]}
    enforcer = policies.get_enforcer()
    saved = enforcer.rules["create_port:mac_address"]
    enforcer.rules["create_port:mac_address"] = _parser.parse_rule("rule:admin_only")
    try:
        status, body = api("POST", f"{NET}/ports", {"port": mac}, as_="demo")
        assert (status, neutron_error(body)) == (403, "PolicyNotAuthorized")
    finally:
        enforcer.rules["create_port:mac_address"] = saved
    assert api("POST", f"{NET}/ports", {"port": mac}, as_="demo")[0] == 201
