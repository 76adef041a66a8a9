"""Bad input is Neutron's 400 before any lookup, never a 500, never a half-made object."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.api.test_isolation import rows
from tests.api.test_network_api import NET, net, neutron_error, subnet
from tests.apiclient import make_pods
from tests.conftest import both_databases
from tricircle.core import db
from tricircle.core.db.models import Job

UUID = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize("fixed_ips", [
    [{"subnet_id": ["x"]}], [{"subnet_id": {"a": 1}}], [{"ip_address": 5}],
    [{"ip_address": "10.0.0.300"}], [{"subnet_id": "not-a-uuid"}], [{}],
    [{"ip_address": "10.0.0.5"}, {"ip_address": "10.0.0.5"}], "x", [["10.0.0.5"]],
    [{"subnet_id": UUID, "colour": "red"}],
])
def test_bad_fixed_ips_are_400(api, fixed_ips) -> None:
    make_pods(api)
    n = net(api, availability_zone_hints=["az1"])
    subnet(api, n["id"], "10.0.0.0/24")
    before = rows()
    status, body = api("POST", f"{NET}/ports", {"port": {"network_id": n["id"],
                                                         "fixed_ips": fixed_ips}}, as_="demo")
    assert (status, neutron_error(body)) == (400, "HTTPBadRequest"), body
    assert rows() == before


@pytest.mark.parametrize("ip", ["10.0.0.0", "10.0.0.255", "10.0.1.5", "fe80::1"])
def test_a_fixed_ip_the_subnet_cannot_give_is_400(api, ip: str) -> None:
    make_pods(api)
    n = net(api, availability_zone_hints=["az1"])
    sub = subnet(api, n["id"], "10.0.0.0/24")
    before = rows()
    status, body = api("POST", f"{NET}/ports", {"port": {"network_id": n["id"], "fixed_ips": [
        {"subnet_id": sub["id"], "ip_address": ip}]}}, as_="demo")
    assert (status, neutron_error(body)) == (400, "InvalidIpForSubnet"), body
    assert rows() == before


@pytest.mark.parametrize("extra", [
    {"host_routes": [{"destination": 5, "nexthop": "10.1.0.9"}]},
    {"host_routes": [{"destination": "10.9.0.0/24", "nexthop": "x"}]},
    {"host_routes": [{"destination": "10.9.0.0/24"}]},
    {"host_routes": [{"destination": "10.9.0.0/24", "nexthop": "10.1.0.9"}] * 2},
    {"dns_nameservers": ["not-an-ip"]}, {"dns_nameservers": [5]},
    {"dns_nameservers": ["8.8.8.8", "8.8.8.8"]}, {"dns_nameservers": "8.8.8.8"},
    {"allocation_pools": [{"start": "x", "end": "y"}]},
    {"allocation_pools": [{"start": "10.1.0.5"}]}, {"gateway_ip": "x"}, {"gateway_ip": 5},
    {"cidr": "banana"}, {"cidr": 10}, {"cidr": ["10.1.0.0/24"]},
])
def test_bad_subnet_values_are_400_before_any_lookup(api, extra: dict) -> None:
    """The same body on a network that does not exist: the value is refused first."""
    make_pods(api)
    before = rows()
    status, body = api("POST", f"{NET}/subnets", {"subnet": {
        "network_id": UUID, "ip_version": 4, "cidr": "10.1.0.0/24", **extra}}, as_="demo")
    assert (status, neutron_error(body)) == (400, "HTTPBadRequest"), (extra, body)
    assert rows() == before


@both_databases
@pytest.mark.parametrize(("method", "path", "raw"), [
    ("GET", "/v1.0/routings?limit=0", None),  # found by the fuzzer: an IndexError
    ("GET", f"{NET}/networks?name=%ff%fe", None),  # not UTF-8
    ("GET", "/compute/v2.1/servers/%00", None),  # PostgreSQL refuses NUL in strings
    ("GET", f"{NET}/networks?name=a%00b", None),
    ("POST", f"{NET}/networks", b'{"network": {"name": "a\\u0000b"}}'),
    ("POST", "/v1.0/pods", b'{"pod": {"pod_name": "\\u0000"}}'),
])
def test_what_the_fuzzer_found_is_a_4xx(api, method: str, path: str, raw: bytes | None,
                                        ) -> None:
    make_pods(api)
    status, body = api(method, path, raw=raw, as_="admin")
    assert status < 500
    if "limit=0" in path:
        assert status == 200 and body["routings"] == [] and "routings_links" not in body
    else:
        assert status in (400, 404), body


BIG = "9" * 25


@both_databases
@pytest.mark.parametrize(("method", "path", "body"), [
    # What the security review's mutation run found: 500s from input.
    *[("GET", f"{NET}/{kind}?limit={BIG}", None)
      for kind in ("networks", "subnets", "ports", "routers", "security-groups")],
    ("GET", f"{NET}/subnets?ip_version=abc", None),
    ("GET", f"{NET}/subnets?ip_version={BIG}", None),
    ("GET", "/compute/v2.1/os-server-groups?limit=%C2%B2", None),  # '²': isdigit(), no int
    ("GET", f"/compute/v2.1/os-server-groups?limit={BIG}", None),
    ("GET", "/compute/v2.1/os-hypervisors?limit=%C2%B2", None),
    ("GET", f"/v1.0/routings/{BIG}", None),
    ("GET", "/v1.0/routings/%C2%B2", None),
    ("GET", f"/v1.0/routings?marker={BIG}", None),
    ("GET", f"/v1.0/routings?limit={BIG}", None),
    ("POST", "/compute/v2.1/servers", {"server": {
        "name": "s", "flavorRef": "1", "networks": "none", "max_count": "²"}}),
    ("POST", "/compute/v2.1/servers", {"server": {
        "name": "s", "flavorRef": "1", "networks": "none", "min_count": BIG}}),
    ("POST", f"{NET}/security-group-rules", {"security_group_rule": {
        "security_group_id": UUID, "direction": "ingress", "protocol": "tcp",
        "port_range_min": "²", "port_range_max": "²"}}),
    ("POST", f"{NET}/security-group-rules", {"security_group_rule": {
        "security_group_id": UUID, "direction": "ingress", "protocol": "²"}}),
])
def test_numbers_that_are_not_ascii_or_too_big_are_4xx(api, method: str, path: str,
                                                        body: object) -> None:
    make_pods(api)
    status, answer = api(method, path, body, as_="admin")
    assert 400 <= status < 500 or (status == 200 and "limit" in path), answer


def test_a_timed_out_boot_with_a_long_name_still_queues_its_reaper(api, pods,
                                                                   monkeypatch) -> None:
    """The job's key would pass its column (255): it is digested, the pod id first."""
    make_pods(api)
    pods["Pod1"].up = False
    name = "n" * 250
    status, _ = api("POST", "/compute/v2.1/servers", {"server": {
        "name": name, "flavorRef": "1", "networks": "none", "availability_zone": "az1"}},
        as_="demo", pod_down=True)
    assert status == 503
    with db.transaction() as s:
        [job] = s.scalars(select(Job).where(Job.type == "reap_create"))
        assert job.resource["name"] == name and len(job.resource_key) <= 255
