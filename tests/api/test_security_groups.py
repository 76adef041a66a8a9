"""Security groups at the top: Neutron's shapes, rules and errors, in process."""
from __future__ import annotations

import threading

from tests.api.test_network_api import NET, neutron_error
from tests.apiclient import make_pods

SG = f"{NET}/security-groups"
RULES = f"{NET}/security-group-rules"


def rule(api, group_id: str, **extra) -> tuple[int, dict]:
    return api("POST", RULES, {"security_group_rule": {
        "security_group_id": group_id, "direction": "ingress", **extra}}, as_="demo")


def test_the_default_group_is_made_once_with_neutrons_rules(api) -> None:
    got: list = []
    threads = [threading.Thread(target=lambda: got.append(
        api("GET", SG, as_="demo")[1]["security_groups"])) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = {g["id"] for listed in got for g in listed}
    assert len(ids) == 1  # concurrent first lists make one default group
    (default,) = api("GET", SG, as_="demo")[1]["security_groups"]
    assert default["name"] == "default"
    rules = {(r["direction"], r["ethertype"], r["remote_group_id"])
             for r in default["security_group_rules"]}
    assert rules == {("egress", "IPv4", None), ("egress", "IPv6", None),
                     ("ingress", "IPv4", default["id"]), ("ingress", "IPv6", default["id"])}
    status, body = api("PUT", f"{SG}/{default['id']}", {"security_group": {"name": "x"}},
                       as_="demo")
    assert (status, neutron_error(body)) == (409, "SecurityGroupCannotUpdateDefault")
    status, body = api("DELETE", f"{SG}/{default['id']}", as_="demo")
    assert (status, neutron_error(body)) == (409, "SecurityGroupCannotRemoveDefault")
    # A port gets the default group unless it names others.
    make_pods(api)
    net = api("POST", f"{NET}/networks", {"network": {}}, as_="demo")[1]["network"]
    port = api("POST", f"{NET}/ports", {"port": {"network_id": net["id"]}},
               as_="demo")[1]["port"]
    assert port["security_groups"] == [default["id"]]


def test_groups_and_rules(api) -> None:
    # Neutron: a second group named "default" (any case) exists already.
    status, body = api("POST", SG, {"security_group": {"name": "Default"}}, as_="demo")
    assert (status, neutron_error(body)) == (409, "SecurityGroupDefaultAlreadyExists")
    status, body = api("POST", SG, {"security_group": {"name": "web"}}, as_="demo")
    assert status == 201
    web = body["security_group"]
    assert {(r["direction"], r["ethertype"]) for r in web["security_group_rules"]} == {
        ("egress", "IPv4"), ("egress", "IPv6")}
    status, body = rule(api, web["id"], protocol="tcp", port_range_min=22,
                        port_range_max=22, remote_ip_prefix="0.0.0.0/0")
    assert status == 201 and body["security_group_rule"]["protocol"] == "tcp"
    ssh = body["security_group_rule"]
    # The same rule again (by protocol number, any address as no prefix) is a 409.
    status, body = rule(api, web["id"], protocol="6", port_range_min=22, port_range_max=22)
    assert (status, neutron_error(body)) == (409, "SecurityGroupRuleExists")
    for bad, kind in (
            ({"protocol": "tcp", "port_range_min": 80, "port_range_max": 10},
             "SecurityGroupInvalidPortRange"),
            ({"port_range_min": 80, "port_range_max": 80},
             "SecurityGroupProtocolRequiredWithPorts"),
            ({"protocol": "gre", "port_range_min": 1, "port_range_max": 2},
             "SecurityGroupInvalidProtocolForPort"),
            ({"protocol": "icmp", "port_range_min": 300}, "SecurityGroupInvalidIcmpValue"),
            ({"protocol": "tcp", "port_range_min": -16, "port_range_max": 80},
             "SecurityGroupInvalidPortValue"),
            ({"protocol": "tcp", "port_range_min": 0, "port_range_max": 80},
             "SecurityGroupInvalidPortValue"),
            ({"protocol": "tcp", "port_range_min": 80, "port_range_max": 65536},
             "SecurityGroupInvalidPortValue"),
            ({"protocol": "bogus"}, "SecurityGroupRuleInvalidProtocol"),
            ({"remote_ip_prefix": "10.0.0.0/8", "ethertype": "IPv6"},
             "SecurityGroupRuleParameterConflict"),
            ({"remote_ip_prefix": "10.0.0.0/8", "remote_group_id": web["id"]},
             "SecurityGroupMultipleRemoteEntites"),
            ({"remote_ip_prefix": "not-a-cidr"}, None),
            ({"direction": "sideways"}, "HTTPBadRequest"),
            ({"colour": "red"}, "HTTPBadRequest")):
        status, body = rule(api, web["id"], **bad)
        assert status == 400, (bad, body)
        assert kind is None or neutron_error(body) == kind, (bad, body)
    assert rule(api, "nope")[0] == 404
    theirs = api("POST", SG, {"security_group": {"name": "a"}}, as_="admin")[1]
    assert api("GET", f"{SG}/{theirs['security_group']['id']}", as_="demo")[0] == 404
    assert rule(api, theirs["security_group"]["id"])[0] == 404
    listed = api("GET", f"{RULES}?security_group_id={web['id']}", as_="demo")[1]
    assert len(listed["security_group_rules"]) == 3
    assert api("DELETE", f"{RULES}/{ssh['id']}", as_="demo")[0] == 204
    assert api("GET", f"{RULES}/{ssh['id']}", as_="demo")[0] == 404
    status, body = api("PUT", f"{SG}/{web['id']}", {"security_group": {"name": "www"}},
                       as_="demo")
    assert status == 200 and body["security_group"]["name"] == "www"
    status, body = api("PUT", f"{SG}/{web['id']}", {"security_group": {"name": "default"}},
                       as_="demo")
    assert (status, neutron_error(body)) == (409, "SecurityGroupDefaultAlreadyExists")
    # A group in use by a port cannot go.
    net = api("POST", f"{NET}/networks", {"network": {}}, as_="demo")[1]["network"]
    port = api("POST", f"{NET}/ports", {"port": {"network_id": net["id"],
                                                 "security_groups": [web["id"]]}},
               as_="demo")[1]["port"]
    assert port["security_groups"] == [web["id"]]
    status, body = api("DELETE", f"{SG}/{web['id']}", as_="demo")
    assert (status, neutron_error(body)) == (409, "SecurityGroupInUse")
    assert api("DELETE", f"{NET}/ports/{port['id']}", as_="demo")[0] == 204
    assert api("DELETE", f"{SG}/{web['id']}", as_="demo")[0] == 204
