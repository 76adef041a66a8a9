"""Neutron's sorting and pagination of the top's own lists (api/network/paging.py)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.api.test_network_api import NET, neutron_error, subnet
from tests.api.test_router_api import network
from tests.apiclient import Api, make_pods


def _follow(api: Api, href: str) -> tuple[int, dict]:
    parts = urlsplit(href)
    assert parts.path.startswith("/networking/v2.0/")  # ours, under the prefix
    return api("GET", f"{parts.path}?{parts.query}", as_="demo")


def test_pages_follow_neutrons_links(api: Api) -> None:
    make_pods(api)
    made = sorted(network(api, ["az1"])["id"] for _ in range(5))
    status, first = api("GET", f"{NET}/networks?limit=2", as_="demo")
    assert status == 200
    assert [n["id"] for n in first["networks"]] == made[:2]  # by id, as Neutron pages
    rels = {link["rel"]: link["href"] for link in first["networks_links"]}
    assert set(rels) == {"next", "previous"}
    assert parse_qs(urlsplit(rels["next"]).query) == {"limit": ["2"], "marker": [made[1]]}
    second = _follow(api, rels["next"])[1]
    assert [n["id"] for n in second["networks"]] == made[2:4]
    third = _follow(api, next(link["href"] for link in second["networks_links"]
                              if link["rel"] == "next"))[1]
    assert [n["id"] for n in third["networks"]] == made[4:]
    assert [link["rel"] for link in third["networks_links"]] == ["previous"]  # the end
    back = _follow(api, third["networks_links"][0]["href"])[1]  # page_reverse=True
    assert [n["id"] for n in back["networks"]] == made[2:4]


def test_sorting_and_the_first_page_of_ports(api: Api) -> None:
    make_pods(api)
    net = network(api, ["az1"])
    subnet(api, net["id"], "10.5.0.0/24")
    for name in ("b", "c", "a"):
        assert api("POST", f"{NET}/ports", {"port": {"network_id": net["id"],
                                                     "name": name}}, as_="demo")[0] == 201
    status, body = api("GET", f"{NET}/ports?sort_key=name&sort_dir=desc&limit=2",
                       as_="demo")
    assert status == 200
    assert [p["name"] for p in body["ports"]] == ["c", "b"]
    assert all(p["fixed_ips"][0]["ip_address"].startswith("10.5.0.") for p in body["ports"])
    rest = _follow(api, next(link["href"] for link in body["ports_links"]
                             if link["rel"] == "next"))[1]
    assert [p["name"] for p in rest["ports"]] == ["a"]
    unpaged = api("GET", f"{NET}/ports?sort_key=name&sort_dir=asc", as_="demo")[1]
    assert [p["name"] for p in unpaged["ports"]] == ["a", "b", "c"]
    assert "ports_links" not in unpaged


def test_bad_paging_is_neutrons_400_or_404(api: Api) -> None:
    make_pods(api)
    theirs = network(api, ["az1"], as_="other")
    for query, status, message in (
            ("limit=-1", 400, "Limit must be an integer 0 or greater and not '-1'"),
            ("limit=x", 400, "Limit must be an integer 0 or greater and not 'x'"),
            ("sort_key=name", 400, "The number of sort_keys and sort_dirs must be same"),
            ("sort_key=mtu&sort_dir=asc", 400, "['mtu'] is invalid attribute for sort_keys"),
            ("sort_key=name&sort_dir=up", 400,
             "['up'] is invalid value for sort_dirs, valid value is 'asc' and 'desc'"),
            ("limit=1&marker=nope", 404, "Network nope could not be found."),
            (f"limit=1&marker={theirs['id']}", 404,
             f"Network {theirs['id']} could not be found.")):
        got, body = api("GET", f"{NET}/networks?{query}", as_="demo")
        assert (got, body["NeutronError"]["message"]) == (status, message), query
    assert neutron_error(api("GET", f"{NET}/networks?limit=1&marker=nope",
                             as_="demo")[1]) == "NetworkNotFound"
