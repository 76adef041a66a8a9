"""Bad input is Neutron's 400 before any lookup, never a 500, never a half-made object."""
from __future__ import annotations

import pytest

from tests.api.test_isolation import rows
from tests.api.test_network_api import NET, net, neutron_error, subnet
from tests.apiclient import make_pods
from tests.conftest import both_databases

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
