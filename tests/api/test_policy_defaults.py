"""The network API's rules are Neutron's current defaults (a reader reads, a member
writes), the legacy ones only where an operator asks for them; and every list shows what
the rule of a show lets the caller see, no more, no less."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from oslo_policy import _parser

from tests.api.test_network_api import NET, net, neutron_error, subnet
from tests.apiclient import make_pods
from tricircle.core import policies
from tricircle.core.conf import CONF


@pytest.fixture
def legacy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """[oslo_policy] enforce_new_defaults = false, on an enforcer made anew."""
    monkeypatch.setattr(policies, "_enforcer", None)
    policies.get_enforcer()  # registers the oslo_policy options
    CONF.set_override("enforce_new_defaults", False, "oslo_policy")
    monkeypatch.setattr(policies, "_enforcer", None)
    yield
    CONF.clear_override("enforce_new_defaults", "oslo_policy")
    policies._enforcer = None


WRITES = [
    ("POST", "networks", {"network": {"name": "r"}}),
    ("POST", "routers", {"router": {"name": "r"}}),
    ("POST", "security-groups", {"security_group": {"name": "r"}}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_reader_reads_and_never_writes(api, method: str, path: str, body: dict) -> None:
    make_pods(api)
    status, answer = api(method, f"{NET}/{path}", body, as_="reader")
    assert (status, neutron_error(answer)) == (403, "PolicyNotAuthorized"), answer
    made = api(method, f"{NET}/{path}", body, as_="demo")[1]
    [(key, obj)] = made.items()
    # The reader's project is demo's: it sees the object and may not change it.
    assert api("GET", f"{NET}/{path}/{obj['id']}", as_="reader")[0] == 200
    assert obj["id"] in [o["id"] for o in api("GET", f"{NET}/{path}", as_="reader")[1][
        f"{key}s"]]
    status, answer = api("PUT", f"{NET}/{path}/{obj['id']}", {key: {"name": "x"}},
                         as_="reader")
    assert status == 403, answer
    assert api("DELETE", f"{NET}/{path}/{obj['id']}", as_="reader")[0] == 403
    assert api("DELETE", f"{NET}/{path}/{obj['id']}", as_="demo")[0] == 204


def test_the_legacy_rules_when_an_operator_asks_for_them(api, legacy: None) -> None:
    make_pods(api)
    status, body = api("POST", f"{NET}/networks", {"network": {"name": "r"}}, as_="reader")
    assert status == 201, body
    assert api("DELETE", f"{NET}/networks/{body['network']['id']}", as_="reader")[0] == 204


def test_lists_show_what_shows_show(api) -> None:
    """Another project lists the subnet of an admin's shared network it can show; a
    network's owner lists the ports other projects made on it."""
    make_pods(api)
    status, shared = api("POST", f"{NET}/networks", {"network": {
        "name": "pub", "shared": True, "availability_zone_hints": ["az1"]}})
    assert status == 201, shared
    sub = subnet(api, shared["network"]["id"], "10.40.0.0/24", as_="admin")
    assert api("GET", f"{NET}/subnets/{sub['id']}", as_="other")[0] == 200
    listed = api("GET", f"{NET}/subnets", as_="other")[1]["subnets"]
    assert [s["id"] for s in listed] == [sub["id"]]

    own = net(api, "own", availability_zone_hints=["az1"])
    subnet(api, own["id"], "10.41.0.0/24")
    status, body = api("POST", f"{NET}/ports", {"port": {"network_id": own["id"]}},
                       as_="admin")
    assert status == 201, body
    theirs = body["port"]
    assert theirs["project_id"] == "admin-project"
    assert api("GET", f"{NET}/ports/{theirs['id']}", as_="demo")[0] == 200
    assert theirs["id"] in [p["id"] for p in api("GET", f"{NET}/ports", as_="demo")[1][
        "ports"]]
    # ... and nobody else's.
    assert theirs["id"] not in [p["id"] for p in api("GET", f"{NET}/ports", as_="other")[1][
        "ports"]]


def test_an_operators_rule_changes_lists_as_it_changes_shows(api) -> None:
    make_pods(api)
    own = net(api, "mine")
    enforcer = policies.get_enforcer()
    saved = enforcer.rules["get_network"]
    enforcer.rules["get_network"] = _parser.parse_rule("rule:admin_only")
    try:
        assert api("GET", f"{NET}/networks/{own['id']}", as_="demo")[0] == 404
        assert api("GET", f"{NET}/networks", as_="demo")[1]["networks"] == []
        status, body = api("GET", f"{NET}/networks?marker={own['id']}&limit=1", as_="demo")
        assert status == 404, body
    finally:
        enforcer.rules["get_network"] = saved
    assert [n["id"] for n in api("GET", f"{NET}/networks", as_="demo")[1]["networks"]] == [
        own["id"]]
