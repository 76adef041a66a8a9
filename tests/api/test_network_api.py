"""The top network API (Neutron v2.0 shapes and errors), in process."""
from __future__ import annotations

import threading

from tests.apiclient import make_pods
from tricircle.core import db
from tricircle.core.db.models import Routing

NET = "/networking/v2.0"


def neutron_error(body: dict) -> str:
    return body["NeutronError"]["type"]


def net(api, name: str = "n1", **extra) -> dict:
    status, body = api("POST", f"{NET}/networks", {"network": {"name": name, **extra}},
                       as_="demo")
    assert status == 201, body
    return body["network"]


def subnet(api, network_id: str, cidr: str, as_: str = "demo", **extra) -> dict:
    status, body = api("POST", f"{NET}/subnets", {"subnet": {
        "network_id": network_id, "ip_version": 4, "cidr": cidr, **extra}}, as_=as_)
    assert status == 201, body
    return body["subnet"]


def test_networks_with_az_hints(api) -> None:
    make_pods(api)
    made = net(api, availability_zone_hints=["az1"])
    assert made["availability_zone_hints"] == ["az1"] and made["status"] == "ACTIVE"
    assert made["project_id"] == made["tenant_id"] and made["subnets"] == []
    status, body = api("POST", f"{NET}/networks", {"network": {
        "availability_zone_hints": ["az9"]}}, as_="demo")
    assert (status, neutron_error(body)) == (404, "AvailabilityZoneNotFound")
    for bad in ({"name": 5}, {"admin_state_up": "maybe"}, {"colour": "red"},
                {"availability_zone_hints": "az1"}, {"name": "x" * 300}, {"mtu": 10}):
        status, body = api("POST", f"{NET}/networks", {"network": bad}, as_="demo")
        assert (status, neutron_error(body)) == (400, "HTTPBadRequest"), bad
    assert api("POST", f"{NET}/networks", raw=b"{oops", as_="demo")[0] == 400
    assert api("POST", f"{NET}/networks", {"network": {"shared": True}}, as_="demo")[0] == 403

    other = api("POST", f"{NET}/networks", {"network": {"name": "admins"}})[1]["network"]
    assert [n["id"] for n in api("GET", f"{NET}/networks", as_="demo")[1]["networks"]] == [
        made["id"]]
    assert {n["id"] for n in api("GET", f"{NET}/networks")[1]["networks"]} == {
        made["id"], other["id"]}
    status, body = api("GET", f"{NET}/networks/{other['id']}", as_="demo")
    assert (status, neutron_error(body)) == (404, "NetworkNotFound")
    assert api("GET", f"{NET}/networks?name=n1&fields=id", as_="demo")[1] == {
        "networks": [{"id": made["id"]}]}
    status, body = api("PUT", f"{NET}/networks/{made['id']}", {"network": {"name": "n2"}},
                       as_="demo")
    assert status == 200 and body["network"]["name"] == "n2"
    assert body["network"]["revision_number"] == 2
    assert api("PUT", f"{NET}/networks/{made['id']}", {"network": {
        "availability_zone_hints": ["az2"]}}, as_="demo")[0] == 400
    assert api("DELETE", f"{NET}/networks/{made['id']}", as_="demo")[0] == 204
    assert api("GET", f"{NET}/networks/{made['id']}", as_="demo")[0] == 404


def test_subnets_do_ipam_at_the_top(api) -> None:
    n = net(api)
    sub = subnet(api, n["id"], "10.0.1.0/24", name="s1")
    assert sub["gateway_ip"] == "10.0.1.1"
    assert sub["allocation_pools"] == [{"start": "10.0.1.2", "end": "10.0.1.254"}]
    assert api("GET", f"{NET}/networks/{n['id']}", as_="demo")[1]["network"]["subnets"] == [
        sub["id"]]
    status, body = api("PUT", f"{NET}/subnets/{sub['id']}", {"subnet": {"name": "s1b"}},
                       as_="demo")
    assert (status, body["subnet"]["name"], body["subnet"]["revision_number"]) == (
        200, "s1b", 2)
    assert api("PUT", f"{NET}/subnets/{sub['id']}", {"subnet": {"cidr": "10.9.0.0/24"}},
               as_="demo")[0] == 400
    no_gw = subnet(api, n["id"], "10.0.2.0/24", gateway_ip=None)
    assert no_gw["gateway_ip"] is None
    assert no_gw["allocation_pools"] == [{"start": "10.0.2.1", "end": "10.0.2.254"}]
    for bad, kind in (({"cidr": "10.0.1.128/25"}, "InvalidInput"),  # overlaps s1
                      ({"cidr": "10.0.3.1/24"}, "HTTPBadRequest"),
                      ({"cidr": "10.0.3.0/24", "ip_version": 6}, "InvalidInput"),
                      ({"cidr": "10.0.3.0/24", "allocation_pools": [
                          {"start": "10.0.4.1", "end": "10.0.4.9"}]}, "HTTPBadRequest"),
                      ({"cidr": "10.0.3.0/24", "ip_version": 5}, "HTTPBadRequest")):
        status, body = api("POST", f"{NET}/subnets", {"subnet": {
            "network_id": n["id"], "ip_version": 4, **bad}}, as_="demo")
        assert (status, neutron_error(body)) == (400, kind), bad
    status, body = api("POST", f"{NET}/subnets", {"subnet": {
        "network_id": "nope", "ip_version": 4, "cidr": "10.9.0.0/24"}}, as_="demo")
    assert (status, neutron_error(body)) == (404, "NetworkNotFound")
    assert api("POST", f"{NET}/subnets", {"subnet": {"network_id": n["id"]}},
               as_="demo")[0] == 400


def test_ports_get_their_ip_and_mac_at_the_top(api) -> None:
    n = net(api)
    sub = subnet(api, n["id"], "10.0.1.0/29")  # .2 to .6 allocatable
    status, body = api("POST", f"{NET}/ports", {"port": {"network_id": n["id"]}}, as_="demo")
    assert status == 201
    port = body["port"]
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.0.1.2"}]
    assert port["mac_address"].startswith("fa:16:3e:")
    status, body = api("PUT", f"{NET}/ports/{port['id']}", {"port": {
        "name": "vm-port", "device_id": "vm-1"}}, as_="demo")
    assert (status, body["port"]["name"], body["port"]["status"]) == (200, "vm-port",
                                                                      "ACTIVE")
    assert api("PUT", f"{NET}/ports/{port['id']}", {"port": {"name": "x"}})[0] == 200  # admin
    fixed = api("POST", f"{NET}/ports", {"port": {"network_id": n["id"], "fixed_ips": [
        {"ip_address": "10.0.1.5"}], "mac_address": "fa:16:3e:00:00:05"}}, as_="demo")[1]
    assert fixed["port"]["fixed_ips"][0]["ip_address"] == "10.0.1.5"
    status, body = api("POST", f"{NET}/ports", {"port": {"network_id": n["id"], "fixed_ips": [
        {"ip_address": "10.0.1.5"}]}}, as_="demo")
    assert (status, neutron_error(body)) == (409, "IpAddressAlreadyAllocated")
    status, body = api("POST", f"{NET}/ports", {"port": {
        "network_id": n["id"], "mac_address": "fa:16:3e:00:00:05"}}, as_="demo")
    assert (status, neutron_error(body)) == (409, "MacAddressInUse")
    status, body = api("POST", f"{NET}/ports", {"port": {"network_id": n["id"], "fixed_ips": [
        {"ip_address": "10.0.9.9"}]}}, as_="demo")
    assert status == 400
    # The gateway may be asked for by a router's interface.
    gw = api("POST", f"{NET}/ports", {"port": {"network_id": n["id"], "fixed_ips": [
        {"subnet_id": sub["id"], "ip_address": "10.0.1.1"}]}}, as_="demo")
    assert gw[0] == 201
    assert neutron_error(api("DELETE", f"{NET}/networks/{n['id']}", as_="demo")[1]) == \
        "NetworkInUse"
    assert neutron_error(api("DELETE", f"{NET}/subnets/{sub['id']}", as_="demo")[1]) == \
        "SubnetInUse"
    listed = api("GET", f"{NET}/ports?network_id={n['id']}", as_="demo")[1]["ports"]
    assert len(listed) == 3
    # Neutron's address filters: exact, by subnet, by substring (ip-substring-filtering).
    for query, ids in (("fixed_ips=ip_address%3D10.0.1.5", [fixed["port"]["id"]]),
                       ("fixed_ips=ip_address%3D10.0.1.5&fixed_ips=ip_address%3D10.0.1.1",
                        [fixed["port"]["id"], gw[1]["port"]["id"]]),
                       (f"fixed_ips=subnet_id%3D{sub['id']}&fixed_ips=ip_address%3D10.0.1.2",
                        [port["id"]]),
                       ("fixed_ips=ip_address_substr%3D0.1.", [p["id"] for p in listed]),
                       ("fixed_ips=ip_address_substr%3D.5", [fixed["port"]["id"]]),
                       ("fixed_ips=ip_address%3D10.0.1.6", [])):
        status, body = api("GET", f"{NET}/ports?{query}", as_="demo")
        assert status == 200 and sorted(x["id"] for x in body["ports"]) == sorted(ids), query
    assert api("GET", f"{NET}/ports?fixed_ips=mac%3D1", as_="demo")[0] == 400
    for p in listed:
        assert api("DELETE", f"{NET}/ports/{p['id']}", as_="demo")[0] == 204
    assert api("DELETE", f"{NET}/networks/{n['id']}", as_="demo")[0] == 204


def test_concurrent_ports_never_share_an_address(api) -> None:
    n = net(api)
    subnet(api, n["id"], "10.0.1.0/24")
    results: list[tuple[int, dict]] = []

    def make() -> None:
        results.append(api("POST", f"{NET}/ports", {"port": {"network_id": n["id"]}},
                           as_="demo"))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = [b["port"]["fixed_ips"][0]["ip_address"] for status, b in results if status == 201]
    assert len(made) == len(set(made))
    # A lost race is a clear, retryable conflict, never a 500.
    assert all(status in (201, 409) for status, _ in results)


def test_what_no_copy_could_carry_is_refused(api) -> None:
    make_pods(api)
    made = net(api)
    for bad in ({"mtu": 1501}, {"port_security_enabled": False}):
        for method, path in (("POST", f"{NET}/networks"),
                             ("PUT", f"{NET}/networks/{made['id']}")):
            status, body = api(method, path, {"network": bad}, as_="demo")
            assert status == 400 and "NeutronError" in body, (method, bad, body)
    status, body = api("PUT", f"{NET}/networks/{made['id']}", {"network": {"mtu": 1400}},
                       as_="demo")
    assert (status, body["network"]["mtu"]) == (200, 1400)
    aliases = {e["alias"] for e in api("GET", f"{NET}/extensions")[1]["extensions"]}
    assert "net-mtu-writable" in aliases


def test_a_subnets_gateway_and_pools_change_by_neutrons_rules(api) -> None:
    make_pods(api)
    made = net(api, availability_zone_hints=["az1"])
    sub = subnet(api, made["id"], "10.1.0.0/24")
    path = f"{NET}/subnets/{sub['id']}"
    status, body = api("PUT", path, {"subnet": {"gateway_ip": "10.1.0.254", "allocation_pools": [
        {"start": "10.1.0.10", "end": "10.1.0.99"}]}}, as_="demo")
    assert status == 200, body
    assert (body["subnet"]["gateway_ip"], body["subnet"]["allocation_pools"]) == (
        "10.1.0.254", [{"start": "10.1.0.10", "end": "10.1.0.99"}])
    # Into the pools: Neutron's 409; outside the subnet: 400.
    status, body = api("PUT", path, {"subnet": {"gateway_ip": "10.1.0.50"}}, as_="demo")
    assert status == 409, body
    assert api("PUT", path, {"subnet": {"gateway_ip": "10.2.0.1"}}, as_="demo")[0] == 400
    assert api("PUT", path, {"subnet": {"gateway_ip": None}}, as_="demo")[1][
        "subnet"]["gateway_ip"] is None
    api("PUT", path, {"subnet": {"gateway_ip": "10.1.0.1"}}, as_="demo")
    # A gateway a router interface holds cannot move.
    router = api("POST", f"{NET}/routers", {"router": {"name": "r"}}, as_="demo")[1]["router"]
    status, body = api("PUT", f"{NET}/routers/{router['id']}/add_router_interface",
                       {"subnet_id": sub["id"]}, as_="demo")
    assert status == 200, body
    status, body = api("PUT", path, {"subnet": {"gateway_ip": "10.1.0.2"}}, as_="demo")
    assert (status, neutron_error(body)) == (409, "GatewayIpInUse")
    assert api("GET", path, as_="demo")[1]["subnet"]["gateway_ip"] == "10.1.0.1"


def test_an_update_queues_the_sync_of_the_objects_copies(api) -> None:
    pods = make_pods(api)
    made, kept = net(api), net(api, "kept")
    with db.transaction() as s:  # a copy in Pod1, as a boot makes
        s.add(Routing(top_id=made["id"], pod_id=pods["Pod1"], resource_type="network",
                      project_id=made["project_id"], bottom_id="b-1"))
    for n in (made, kept):
        api("PUT", f"{NET}/networks/{n['id']}", {"network": {"admin_state_up": False}},
            as_="demo")
    queued = [j for j in api("GET", "/v1.0/jobs")[1]["jobs"] if j["type"] == "sync_copy"]
    assert [j["resource"] for j in queued] == [
        {"resource_type": "network", "top_id": made["id"]}]


def test_a_network_other_projects_use_stays_shared(api) -> None:
    make_pods(api)
    status, body = api("POST", f"{NET}/networks", {"network": {"name": "s", "shared": True}})
    shared = body["network"]
    subnet(api, shared["id"], "10.3.0.0/24", as_="admin")
    status, body = api("POST", f"{NET}/ports", {"port": {"network_id": shared["id"]}},
                       as_="demo")
    assert status == 201, body
    port_id = body["port"]["id"]
    status, body = api("PUT", f"{NET}/networks/{shared['id']}", {"network": {"shared": False}})
    assert (status, neutron_error(body)) == (409, "InvalidSharedSetting")
    assert api("DELETE", f"{NET}/ports/{port_id}", as_="demo")[0] == 204
    status, body = api("PUT", f"{NET}/networks/{shared['id']}", {"network": {"shared": False}})
    assert (status, body["network"]["shared"]) == (200, False)


def test_the_resource_index_is_neutrons(api) -> None:
    status, body = api("GET", NET, as_="demo")
    assert status == 200
    listed = {r["collection"]: r for r in body["resources"]}
    assert set(listed) == {"networks", "subnets", "ports"}
    assert listed["ports"]["name"] == "port"
    assert listed["ports"]["links"] == [{"rel": "self",
                                         "href": f"http://localhost{NET}/ports"}]
    # service-type (listed as an extension): the one router provider, Tricircle's.
    aliases = {e["alias"] for e in api("GET", f"{NET}/extensions", as_="demo")[1]["extensions"]}
    assert {"service-type", "ip-substring-filtering"} <= aliases
    status, body = api("GET", f"{NET}/service-providers", as_="demo")
    assert status == 200 and [(p["service_type"], p["default"]) for p in
                              body["service_providers"]] == [("L3_ROUTER_NAT", True)]


def test_bulk_creates_are_all_or_nothing(api) -> None:
    make_pods(api)
    made = net(api, availability_zone_hints=["az1"])
    subnet(api, made["id"], "10.1.0.0/24")
    status, body = api("POST", f"{NET}/ports", {"ports": [
        {"network_id": made["id"], "name": "a"}, {"network_id": made["id"], "name": "b"}]},
        as_="demo")
    assert status == 201 and [p["name"] for p in body["ports"]] == ["a", "b"]
    status, body = api("POST", f"{NET}/ports", {"ports": [
        {"network_id": made["id"], "name": "c"}, {"network_id": "nothing", "name": "d"}]},
        as_="demo")
    assert status == 404, body
    names = {p["name"] for p in api("GET", f"{NET}/ports", as_="demo")[1]["ports"]}
    assert "c" not in names and {"a", "b"} <= names
    status, body = api("POST", f"{NET}/networks", {"networks": [{"name": "x"}, {"name": "y"}]},
                       as_="demo")
    assert status == 201 and [n["name"] for n in body["networks"]] == ["x", "y"]
    assert api("POST", f"{NET}/subnets", {"subnets": []}, as_="demo")[0] == 400


def test_a_ports_address_pairs_and_dhcp_options_are_neutrons(api) -> None:
    make_pods(api)
    made = net(api, availability_zone_hints=["az1"])
    subnet(api, made["id"], "10.1.0.0/24")
    status, body = api("POST", f"{NET}/ports", {"port": {
        "network_id": made["id"], "allowed_address_pairs": [{"ip_address": "10.1.0.0/28"}],
        "extra_dhcp_opts": [{"opt_name": "bootfile-name", "opt_value": "pxelinux.0"}]}},
        as_="demo")
    assert status == 201, body
    port = body["port"]
    assert port["allowed_address_pairs"] == [{"ip_address": "10.1.0.0/28",
                                              "mac_address": port["mac_address"]}]
    assert port["extra_dhcp_opts"] == [{"opt_name": "bootfile-name",
                                        "opt_value": "pxelinux.0", "ip_version": 4}]
    status, body = api("PUT", f"{NET}/ports/{port['id']}", {"port": {"extra_dhcp_opts": [
        {"opt_name": "bootfile-name", "opt_value": None},
        {"opt_name": "tftp-server", "opt_value": "10.1.0.3", "ip_version": 4}]}}, as_="demo")
    assert status == 200 and body["port"]["extra_dhcp_opts"] == [
        {"opt_name": "tftp-server", "opt_value": "10.1.0.3", "ip_version": 4}]
    for bad in ([{"mac_address": "fa:16:3e:00:00:01"}], [{"ip_address": "nope"}],
                [{"ip_address": "10.1.0.9", "other": 1}]):
        status, body = api("PUT", f"{NET}/ports/{port['id']}",
                           {"port": {"allowed_address_pairs": bad}}, as_="demo")
        assert status == 400, (bad, body)
    for bad in ([{"opt_name": "x", "opt_value": "y", "ip_version": 5}],
                [{"opt_value": "y"}], [{"opt_name": "x", "other": 1}]):
        status, body = api("PUT", f"{NET}/ports/{port['id']}",
                           {"port": {"extra_dhcp_opts": bad}}, as_="demo")
        assert status == 400, (bad, body)
    aliases = {e["alias"] for e in api("GET", f"{NET}/extensions")[1]["extensions"]}
    assert {"allowed-address-pairs", "extra_dhcp_opt"} <= aliases


def test_a_ports_fixed_ips_change_as_neutrons_do(api) -> None:
    make_pods(api)
    made = net(api, availability_zone_hints=["az1"])
    one = subnet(api, made["id"], "10.1.0.0/24")
    two = subnet(api, made["id"], "10.2.0.0/24")
    port = api("POST", f"{NET}/ports", {"port": {"network_id": made["id"], "fixed_ips": [
        {"subnet_id": one["id"], "ip_address": "10.1.0.5"}]}}, as_="demo")[1]["port"]
    path = f"{NET}/ports/{port['id']}"
    # The address on `one` kept (named by its subnet), one on `two` added.
    status, body = api("PUT", path, {"port": {"fixed_ips": [
        {"subnet_id": one["id"]}, {"subnet_id": two["id"], "ip_address": "10.2.0.9"}]}},
        as_="demo")
    assert status == 200, body
    assert [f["ip_address"] for f in body["port"]["fixed_ips"]] == ["10.1.0.5", "10.2.0.9"]
    status, body = api("PUT", path, {"port": {"fixed_ips": [{"ip_address": "10.2.0.9"}]}},
                       as_="demo")
    assert [f["ip_address"] for f in body["port"]["fixed_ips"]] == ["10.2.0.9"]
    other = api("POST", f"{NET}/ports", {"port": {"network_id": made["id"], "fixed_ips": [
        {"ip_address": "10.1.0.5"}]}}, as_="demo")  # released: free again
    assert other[0] == 201, other
    status, body = api("PUT", path, {"port": {"fixed_ips": [{"ip_address": "10.1.0.5"}]}},
                       as_="demo")
    assert status == 409 and body["NeutronError"]["type"] == "IpAddressAlreadyAllocated"
    assert [f["ip_address"] for f in api("GET", path, as_="demo")[1]["port"][
        "fixed_ips"]] == ["10.2.0.9"]  # a refused change changed nothing
    router = api("POST", f"{NET}/routers", {"router": {"name": "r"}}, as_="demo")[1]["router"]
    status, _ = api("PUT", f"{NET}/routers/{router['id']}/add_router_interface",
                    {"port_id": other[1]["port"]["id"]}, as_="demo")
    assert status == 200
    status, body = api("PUT", f"{NET}/ports/{other[1]['port']['id']}", {"port": {
        "fixed_ips": [{"ip_address": "10.1.0.6"}]}}, as_="demo")
    assert status == 409 and body["NeutronError"]["type"] == "PortInUse"
    # Naming the subnet it is on (no address) keeps the address: no change, no refusal.
    subnet_id = other[1]["port"]["fixed_ips"][0]["subnet_id"]
    status, body = api("PUT", f"{NET}/ports/{other[1]['port']['id']}", {"port": {
        "fixed_ips": [{"subnet_id": subnet_id}]}}, as_="demo")
    assert status == 200 and body["port"]["fixed_ips"] == other[1]["port"]["fixed_ips"]


def test_a_ports_binding_is_neutrons_and_for_admins(api) -> None:
    n = net(api)
    subnet(api, n["id"], "10.0.7.0/24")
    status, body = api("POST", f"{NET}/ports", {"port": {
        "network_id": n["id"], "binding:host_id": "h1"}}, as_="demo")
    assert (status, neutron_error(body)) == (403, "PolicyNotAuthorized")
    status, body = api("POST", f"{NET}/ports", {"port": {
        "network_id": n["id"], "binding:vnic_type": "direct"}}, as_="demo")
    assert status == 201 and body["port"]["binding:vnic_type"] == "direct"
    mine = body["port"]
    assert "binding:host_id" not in mine and "binding:vif_type" not in mine  # admins'
    status, body = api("PUT", f"{NET}/ports/{mine['id']}", {"port": {
        "binding:host_id": "h2"}}, as_="admin")
    assert status == 200 and (body["port"]["binding:host_id"],
                              body["port"]["binding:profile"]) == ("h2", {})
    # Neutron's current default: a binding profile is the services' (Nova's) alone.
    status, body = api("PUT", f"{NET}/ports/{mine['id']}", {"port": {
        "binding:profile": {"a": 1}}}, as_="admin")
    assert (status, neutron_error(body)) == (403, "PolicyNotAuthorized")
    listed = api("GET", f"{NET}/ports?network_id={n['id']}", as_="admin")[1]["ports"]
    assert [(p["binding:host_id"], p["binding:vif_type"]) for p in listed] == [
        ("h2", "unbound")]
    shown = api("GET", f"{NET}/ports/{mine['id']}", as_="demo")[1]["port"]
    assert "binding:profile" not in shown and shown["binding:vnic_type"] == "direct"
    status, body = api("PUT", f"{NET}/ports/{mine['id']}", {"port": {
        "binding:vnic_type": "sideways"}}, as_="demo")
    assert status == 400
