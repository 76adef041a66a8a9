"""Compute and volume routing in process, over pods in memory that answer as Nova and
Cinder do: the pod chosen by AZ, ids routed, lists merged with real limit/marker/sort,
another project's objects unseen, a pod that fails named."""
from __future__ import annotations

import json
import uuid

import pytest
import webob
from sqlalchemy import select

from tests.apiclient import make_pods
from tests.fakepods import FakePod, FakePodClients
from tricircle.core import clients, db, health, routing
from tricircle.core import pods as pods_mod
from tricircle.core.conf import CONF
from tricircle.core.db.models import Job, Pod, PodHealth, Routing

COMPUTE = "/compute/v2.1"


def boot(api, name: str, az: str | None = "az1", as_: str = "demo") -> dict:
    server = {"name": name, "flavorRef": "1", "networks": "none"}
    if az:
        server["availability_zone"] = az
    status, body = api("POST", f"{COMPUTE}/servers", {"server": server}, as_=as_)
    assert status == 202, body
    return body["server"]


def ids(api, query: str, as_: str = "demo") -> list[str]:
    status, body = api("GET", f"{COMPUTE}/servers/detail?{query}", as_=as_)
    assert status == 200, body
    return [s["id"] for s in body["servers"]]


def test_a_server_is_made_in_its_azs_pod_and_routed(api, pods: dict[str, FakePod]) -> None:
    make_pods(api)
    made = boot(api, "web", "az2")
    assert made["id"] in pods["Pod2"].items["server"] and not pods["Pod1"].items["server"]
    assert routing.locate(made["id"], "server")[0].pod_name == "Pod2"
    status, body = api("GET", f"{COMPUTE}/servers/{made['id']}", as_="demo")
    assert status == 200 and body["server"]["OS-EXT-AZ:availability_zone"] == "az2"
    # The pod's URLs become ours.
    assert body["server"]["links"][0]["href"].startswith("http://localhost/compute/v2.1/")
    assert "pods.test" not in str(body)


def test_another_projects_server_is_not_found(api) -> None:
    make_pods(api)
    made = boot(api, "mine")
    for method in ("GET", "DELETE"):
        status, body = api(method, f"{COMPUTE}/servers/{made['id']}", as_="other")
        assert status == 404 and "could not be found" in body["itemNotFound"]["message"]

    # As Nova's and Cinder's routers: a trailing slash names the empty id, not the list.
    for method in ("GET", "PUT", "DELETE"):
        for path in (f"{COMPUTE}/servers/", f"{COMPUTE}/os-volumes/",
                     "/volume/v3/demo-project/volumes/"):
            assert api(method, path, as_="demo")[0] == 404, (method, path)
    assert api("GET", f"{COMPUTE}/servers/{made['id']}", as_="admin")[0] == 200
    assert api("DELETE", f"{COMPUTE}/servers/{made['id']}", as_="demo")[0] == 204
    assert api("GET", f"{COMPUTE}/servers/{made['id']}", as_="demo")[0] == 404


@pytest.mark.parametrize(("body", "why"), [
    (b"{not json", "malformed"), (b"[]", "not an object"), (b'{"server": 3}', "not a server"),
    (b'{"server": {}}', "no AZ and no default"),
    (b'{"server": {"availability_zone": 7, "networks": "none"}}', "AZ not a string"),
    (b'{"server": {"availability_zone": "az9", "networks": "none"}}', "unknown AZ"),
])
def test_bad_server_bodies_are_nova_shaped_400s(api, body: bytes, why: str) -> None:
    make_pods(api)
    status, answer = api("POST", f"{COMPUTE}/servers", raw=body, as_="demo")
    assert status == 400 and answer["badRequest"]["code"] == 400, why
    with db.transaction() as s:
        assert s.scalars(select(Routing)).all() == []


def test_the_default_availability_zone_is_used_without_one(api, pods) -> None:
    make_pods(api)
    CONF.set_override("default_availability_zone", "az2", "compute")
    try:
        made = boot(api, "defaulted", az=None)
    finally:
        CONF.clear_override("default_availability_zone", "compute")
    assert made["id"] in pods["Pod2"].items["server"]


def test_a_created_servers_headers_are_novas_and_point_at_us(api) -> None:
    make_pods(api)
    req = webob.Request.blank(f"{COMPUTE}/servers", method="POST", headers={
        "X-Auth-Token": "demo", "Content-Type": "application/json"})
    req.body = json.dumps({"server": {"name": "h", "flavorRef": "1", "networks": "none",
                                      "availability_zone": "az1"}}).encode()
    resp = req.get_response(api.app)
    assert resp.status_code == 202, resp.text
    server_id = resp.json_body["server"]["id"]
    assert resp.headers["Location"] == f"http://localhost{COMPUTE}/servers/{server_id}"
    assert resp.headers["x-compute-request-id"].startswith("req-")
    assert resp.headers["x-compute-request-id"] == resp.headers["x-openstack-request-id"]


def test_unknown_server_is_nova_shaped_404(api) -> None:
    make_pods(api)
    status, body = api("GET", f"{COMPUTE}/servers/00000000-0000-0000-0000-000000000000",
                       as_="demo")
    assert status == 404 and "could not be found" in body["itemNotFound"]["message"]


@pytest.fixture
def five(api) -> list[dict]:
    make_pods(api)
    return [boot(api, f"page-{i}", "az1" if i % 2 else "az2") for i in range(5)]


@pytest.mark.parametrize("sort", ["", "&sort_key=display_name&sort_dir=asc",
                                  "&sort_key=created_at&sort_dir=asc",
                                  "&sort_key=display_name&sort_dir=desc"])
def test_pages_across_pods_equal_one_sorted_list(api, five: list[dict], sort: str) -> None:
    query = f"name=page-{sort}"
    everything = ids(api, query)
    by_age = [s["id"] for s in five]  # made in this order, one second apart
    want = {"": by_age[::-1], "&sort_key=display_name&sort_dir=asc": by_age,
            "&sort_key=created_at&sort_dir=asc": by_age,
            "&sort_key=display_name&sort_dir=desc": by_age[::-1]}[sort]
    assert everything == want

    pages, url = [], f"{COMPUTE}/servers/detail?{query}&limit=2"
    while url:
        status, body = api("GET", url, as_="demo")
        assert status == 200, body
        pages.append([s["id"] for s in body["servers"]])
        links = body.get("servers_links", [])
        url = links[0]["href"].split("localhost", 1)[1] if links else None
    assert pages == [everything[:2], everything[2:4], everything[4:]]

    # A marker given by hand, under another listing (no cursor): the pods are walked.
    status, body = api("GET", f"{COMPUTE}/servers?{query}&limit=3&marker={everything[1]}",
                       as_="demo")
    assert [s["id"] for s in body["servers"]] == everything[2:5]
    assert set(body["servers"][0]) == {"id", "name", "links"}


def test_a_bad_marker_or_sort_is_400(api, five: list[dict]) -> None:
    for query in ("marker=no-such-server", "sort_key=colour", "sort_dir=sideways",
                  "limit=-1", "limit=x"):
        status, body = api("GET", f"{COMPUTE}/servers?{query}", as_="demo")
        assert status == 400 and body["badRequest"]["message"], query
    status, body = api("GET", f"{COMPUTE}/servers?marker={five[0]['id']}", as_="other")
    assert status == 400 and "marker" in body["badRequest"]["message"]


def test_admins_list_every_project_members_only_theirs(api, five: list[dict]) -> None:
    theirs = boot(api, "page-other", as_="other")
    assert set(ids(api, "name=page-")) == {s["id"] for s in five}
    assert ids(api, "name=page-", as_="other") == [theirs["id"]]
    assert ids(api, "name=page-", as_="admin") == []
    everyone = ids(api, "name=page-&all_tenants=1", as_="admin")
    assert set(everyone) == {s["id"] for s in five} | {theirs["id"]}


def test_a_pod_down_fails_a_list_naming_it(api, pods, five: list[dict]) -> None:
    pods["Pod2"].up = False
    status, body = api("GET", f"{COMPUTE}/servers", as_="demo", pod_down=True)
    assert status == 503 and "Pod2" in body["serviceUnavailable"]["message"]
    # A server of the pod that answers is still served.
    pod1_server = next(s for s in five if s["id"] in pods["Pod1"].items["server"])
    assert api("GET", f"{COMPUTE}/servers/{pod1_server['id']}", as_="demo")[0] == 200


def mark_down(pod_name: str, service: str = "compute") -> None:
    """As the health probes would (tricircle/core/health.py)."""
    with db.transaction() as s:
        pod = s.scalar(select(Pod).where(Pod.pod_name == pod_name))
        s.merge(PodHealth(pod_id=pod.pod_id, service_type=service, state="down", streak=0))
    health.forget()


def test_a_pod_down_or_hung_degrades_lists_by_rule(api, pods, five: list[dict],
                                                   monkeypatch) -> None:
    """Nova's UNKNOWN records at 2.69; before, [api] degraded_lists: fail (503 naming the
    pod) or partial (a header names it); a pod the probes found down is not even asked;
    a hung one is left out at the deadline; a show at 2.69 is the UNKNOWN record."""
    in_pod2 = {s["id"] for s in five if s["id"] in pods["Pod2"].items["server"]}
    latest = {"OpenStack-API-Version": "compute 2.69"}
    for how in ("down", "hung"):
        if how == "down":
            mark_down("Pod2")
            pods["Pod2"].up = False  # and it would not answer either
        else:
            with db.transaction() as s:
                s.execute(PodHealth.__table__.delete())
            health.forget()
            pods["Pod2"].up, pods["Pod2"].hung = True, True
        status, body = api("GET", f"{COMPUTE}/servers/detail", as_="demo", headers=latest)
        assert status == 200, body
        unknown = [s for s in body["servers"] if s["status"] == "UNKNOWN"]
        assert {s["id"] for s in unknown} == in_pod2, how
        assert set(unknown[0]) == {"id", "status", "tenant_id", "created", "links"}
        assert len(body["servers"]) == 5  # every server, in order
        created = [s["created"] for s in body["servers"]]
        assert created == sorted(created, reverse=True)
        listed = api("GET", f"{COMPUTE}/servers", as_="demo", headers=latest)[1]["servers"]
        assert {tuple(sorted(s)) for s in listed if s["id"] in in_pod2} == {
            ("id", "links", "status")}
        status, body = api("GET", f"{COMPUTE}/servers", as_="demo", pod_down=True)
        assert status == 503 and "Pod2" in body["serviceUnavailable"]["message"]
        monkeypatch.setattr(CONF.api, "degraded_lists", "partial")
        seen: dict = {}
        status, body = api("GET", f"{COMPUTE}/servers", as_="demo", answer_headers=seen)
        assert status == 200 and seen["X-Tricircle-Missing-Pods"] == "Pod2"
        assert {s["id"] for s in body["servers"]} == {s["id"] for s in five} - in_pod2
        monkeypatch.setattr(CONF.api, "degraded_lists", "fail")
        # A filtered list cannot say which of Pod2's servers match: by the setting.
        status, _ = api("GET", f"{COMPUTE}/servers?name=page", as_="demo", headers=latest,
                        pod_down=True)
        assert status == 503
    pods["Pod2"].hung = False
    mark_down("Pod2")
    one = next(iter(in_pod2))
    status, body = api("GET", f"{COMPUTE}/servers/{one}", as_="demo", headers=latest)
    assert status == 200 and body["server"]["status"] == "UNKNOWN"
    assert body["server"]["OS-EXT-AZ:availability_zone"] == "az2"
    status, body = api("GET", f"{COMPUTE}/servers/{one}", as_="demo", pod_down=True)
    assert status == 503 and "Pod2" in body["serviceUnavailable"]["message"]
    status, body = api("POST", f"{COMPUTE}/servers/{one}/action", {"reboot": {
        "type": "SOFT"}}, as_="demo", headers=latest, pod_down=True)
    assert status == 503 and "down" in body["serviceUnavailable"]["message"]
    assert api("GET", f"{COMPUTE}/servers/{one}", as_="other", headers=latest)[0] == 404
    # A marker of the pod that is down: a 503 naming it, never a 500.
    status, body = api("GET", f"{COMPUTE}/servers?marker={one}", as_="demo", headers=latest,
                       pod_down=True)
    assert status == 503 and "Pod2" in body["serviceUnavailable"]["message"]


def test_new_objects_go_to_healthy_pods_of_their_zone(api, pods, monkeypatch) -> None:
    """A project is bound only to a pod that is up; a project bound to a pod that is down
    keeps it (503), unless [scheduler] rebind_when_down sends new objects elsewhere."""
    pods["Pod3"] = FakePod("Pod3", "az1")
    monkeypatch.setattr(clients, "_clients", FakePodClients(pods.values()))
    make_pods(api)
    assert api("POST", "/v1.0/pods", {"pod": {"pod_name": "Pod3", "az_name": "az1"}})[0] \
        == 200
    first = boot(api, "before", "az1")  # demo: bound to Pod1, the zone's first pod
    assert first["id"] in pods["Pod1"].items["server"]
    mark_down("Pod1")
    pods["Pod1"].up = False
    theirs = boot(api, "new-project", "az1", as_="other")  # bound now: the healthy one
    assert theirs["id"] in pods["Pod3"].items["server"]
    status, body = api("POST", f"{COMPUTE}/servers", {"server": {
        "name": "x", "flavorRef": "1", "networks": "none", "availability_zone": "az1"}},
        as_="demo", pod_down=True)
    assert status == 503 and "Pod1" in body["serviceUnavailable"]["message"]
    monkeypatch.setattr(CONF.scheduler, "rebind_when_down", True)
    moved = boot(api, "meanwhile", "az1")
    assert moved["id"] in pods["Pod3"].items["server"]
    with db.transaction() as s:  # the binding is kept: Pod1 again once it is back
        assert pods_mod.bound_pod(s, "demo-project", "az1").pod_name == "Pod1"


def test_a_missing_routing_row_is_repaired_by_asking_the_pods(api, five: list[dict]) -> None:
    server_id = five[0]["id"]
    pod_name = routing.locate(server_id, "server")[0].pod_name
    with db.transaction() as s:
        s.execute(Routing.__table__.delete().where(Routing.top_id == server_id))
    assert api("GET", f"{COMPUTE}/servers/{server_id}", as_="demo")[0] == 200
    assert routing.locate(server_id, "server")[0].pod_name == pod_name


def test_a_create_the_pod_failed_queues_a_reaper(api, pods, monkeypatch) -> None:
    make_pods(api)
    pod = pods["Pod1"]
    answer = pod.answer

    def made_then_failed(method, path, *args):
        resp = answer(method, path, *args)
        if method == "POST":
            resp.status_code, resp.body = 504, {"message": "Gateway Timeout"}
        return resp
    monkeypatch.setattr(pod, "answer", made_then_failed)
    status, body = api("POST", f"{COMPUTE}/servers", {"server": {
        "name": "lost", "flavorRef": "1", "networks": "none", "availability_zone": "az1"}},
        as_="demo", pod_down=True)
    assert status == 503 and "Pod1" in body["serviceUnavailable"]["message"]
    with db.transaction() as s:
        [job] = s.scalars(select(Job).where(Job.type == "reap_create"))
    assert (job.resource["name"], job.resource["project_id"]) == ("lost", "demo-project")


VOLUME = "/volume/v3/demo-project"


def test_volumes_snapshots_and_attachments_stay_in_their_pod(api, pods) -> None:
    make_pods(api)
    status, body = api("POST", f"{VOLUME}/volumes", {"volume": {
        "size": 1, "name": "v", "availability_zone": "az2"}}, as_="demo")
    assert status == 202, body
    volume = body["volume"]
    assert volume["id"] in pods["Pod2"].items["volume"]
    status, body = api("POST", f"{VOLUME}/snapshots", {"snapshot": {
        "volume_id": volume["id"], "name": "s"}}, as_="demo")
    assert status == 202 and body["snapshot"]["id"] in pods["Pod2"].items["snapshot"]
    # Cinder's summary list has no extended attributes; its detail has them.
    summary = api("GET", f"{VOLUME}/snapshots?sort_key=display_name", as_="demo")[1]
    assert not [k for k in summary["snapshots"][0] if k.startswith("os-extended")]
    detail = api("GET", f"{VOLUME}/snapshots/detail", as_="demo")[1]
    assert detail["snapshots"][0]["os-extended-snapshot-attributes:progress"] == "100%"
    status, body = api("GET", f"{VOLUME}/volumes/detail?sort=name:asc", as_="demo")
    assert [v["id"] for v in body["volumes"]] == [volume["id"]]
    assert body["volumes"][0]["availability_zone"] == "az2"
    assert body["volumes"][0]["links"][0]["href"].startswith("http://localhost/volume/")

    server = boot(api, "in-az1", "az1")
    status, body = api("POST", f"{COMPUTE}/servers/{server['id']}/os-volume_attachments",
                       {"volumeAttachment": {"volumeId": volume["id"]}}, as_="demo")
    assert status == 400 and "within its pod" in body["badRequest"]["message"]
    status, body = api("POST", f"{COMPUTE}/servers/{server['id']}/os-volume_attachments",
                       {"volumeAttachment": {"volumeId": 5}}, as_="demo")
    assert status == 400
    for path in (f"{VOLUME}/snapshots", f"{COMPUTE}/os-snapshots"):  # Cinder, Nova's proxy
        status, body = api("POST", path, {"snapshot": {"volume_id": 5}}, as_="demo")
        assert status == 400 and "volume_id" in body["badRequest"]["message"], path
        status, body = api("POST", path, {"snapshot": {"volume_id": None}}, as_="demo")
        assert status == 404 and "Volume None" in body["itemNotFound"]["message"], path
    # A marker that names nothing: Cinder's 404 (Nova's is a 400).
    status, body = api("GET", f"{VOLUME}/snapshots?marker={uuid.uuid4()}", as_="demo")
    assert status == 404 and "marker" in body["itemNotFound"]["message"]
    assert api("GET", f"{VOLUME}/volumes/{volume['id']}", as_="other")[0] == 404
    status, body = api("POST", f"{VOLUME}/volumes", {"volume": {"size": 0,
                       "availability_zone": "az1"}}, as_="demo")
    assert status == 400 and body["badRequest"]["message"]


def test_answers_name_top_ids_never_the_pods(api, pods) -> None:
    """Server interfaces, groups and the server itself name the pod's copies of top
    objects; RegionOne answers with the top ids (and the top group's name)."""
    from tricircle.core.db.models import SecurityGroup  # noqa: PLC0415

    ids = make_pods(api)
    server = boot(api, "ids", "az1")
    top = {"port": "10000000-0000-4000-8000-000000000001",
           "network": "10000000-0000-4000-8000-000000000002",
           "subnet": "10000000-0000-4000-8000-000000000003",
           "security_group": "10000000-0000-4000-8000-000000000004"}
    bottom = {k: v.replace("10000000", "20000000") for k, v in top.items()}
    with db.transaction() as s:
        for rtype, top_id in top.items():
            s.add(Routing(top_id=top_id, bottom_id=bottom[rtype], pod_id=ids["Pod1"],
                          project_id="demo-project", resource_type=rtype))
        s.add(SecurityGroup(id=top["security_group"], project_id="demo-project", name="web",
                            description=""))
    pod = pods["Pod1"]
    pod.items["server"][server["id"]]["security_groups"] = [{"name": top["security_group"]}]
    pod.extra[server["id"], "/os-interface"] = {"interfaceAttachments": [{
        "port_id": bottom["port"], "net_id": bottom["network"], "mac_addr": "fa:16:3e:00:00:01",
        "port_state": "ACTIVE",
        "fixed_ips": [{"subnet_id": bottom["subnet"], "ip_address": "10.0.0.5"}]}]}
    pod.extra[server["id"], "/os-security-groups"] = {"security_groups": [{
        "id": bottom["security_group"], "name": top["security_group"], "description": "",
        "tenant_id": "demo-project", "rules": [{
            "id": "30000000-0000-4000-8000-000000000009", "ip_protocol": "tcp",
            "parent_group_id": bottom["security_group"], "from_port": 22, "to_port": 22,
            "group": {}, "ip_range": {"cidr": "0.0.0.0/0"}}]}]}

    status, body = api("GET", f"{COMPUTE}/servers/{server['id']}/os-interface", as_="demo")
    assert status == 200, body
    [iface] = body["interfaceAttachments"]
    assert (iface["port_id"], iface["net_id"], iface["fixed_ips"][0]["subnet_id"]) == (
        top["port"], top["network"], top["subnet"])
    [group] = api("GET", f"{COMPUTE}/servers/{server['id']}/os-security-groups",
                  as_="demo")[1]["security_groups"]
    assert (group["id"], group["name"], group["rules"][0]["parent_group_id"]) == (
        top["security_group"], "web", top["security_group"])
    shown = api("GET", f"{COMPUTE}/servers/{server['id']}", as_="demo")[1]["server"]
    assert shown["security_groups"] == [{"name": "web"}] and shown["id"] == server["id"]
    [listed] = api("GET", f"{COMPUTE}/servers/detail?name=ids", as_="demo")[1]["servers"]
    assert listed["security_groups"] == [{"name": "web"}]
    assert not set(bottom.values()) & set(str(body).split("'"))


@pytest.mark.parametrize("rest", ["../../os-hypervisors", "..", "./metadata", "%2e%2e/x",
                                  "x/%2E%2E/../flavors", "%252e%252e/os-hypervisors"])
def test_a_forwarded_path_cannot_leave_its_object(api, pods, rest: str) -> None:
    make_pods(api)
    server = boot(api, "walker")
    calls = len(pods["Pod1"].calls)
    status, body = api("GET", f"{COMPUTE}/servers/{server['id']}/{rest}", as_="demo")
    assert status == 404 and body["itemNotFound"]["message"], rest
    assert len(pods["Pod1"].calls) == calls  # nothing was sent to the pod


def test_a_boot_naming_no_network_takes_the_projects_one_as_nova_does(
        api, pods, monkeypatch: pytest.MonkeyPatch) -> None:
    make_pods(api)
    from tricircle.compute import server_ports  # noqa: PLC0415
    # The pod's copy of the port is not this test's subject (the pods are in memory).
    monkeypatch.setattr(server_ports, "bottom_ports", lambda ctx, pod, reserved: [
        {"port": "b-" + port_id} for port_id, _ in reserved])

    def create(networks: object = None, version: str = "2.1") -> tuple[int, dict]:
        server = {"name": "n", "flavorRef": "1", "availability_zone": "az1"}
        if networks is not None:
            server["networks"] = networks
        return api("POST", f"{COMPUTE}/servers", {"server": server}, as_="demo",
                   headers={"OpenStack-API-Version": f"compute {version}"})

    status, body = create("auto", "2.37")  # none to take, none can be made
    assert status == 400 and "Unable to automatically allocate" in body["badRequest"][
        "message"]
    status, _ = create()  # before 2.37: booted without one
    assert status == 202
    nets = [api("POST", "/networking/v2.0/networks", {"network": {
        "name": f"n{i}", "availability_zone_hints": ["az1"]}}, as_="demo")[1]["network"]
        for i in range(2)]
    for n in nets:
        api("POST", "/networking/v2.0/subnets", {"subnet": {
            "network_id": n["id"], "cidr": f"10.{nets.index(n)}.0.0/24", "ip_version": 4}},
            as_="demo")
    assert api("DELETE", f"/networking/v2.0/networks/{nets[1]['id']}", as_="demo")[0] == 204
    status, body = create()
    assert status == 202, body
    server_id = body["server"]["id"]
    ports = api("GET", f"/networking/v2.0/ports?device_id={server_id}", as_="demo")[1]
    assert [p["network_id"] for p in ports["ports"]] == [nets[0]["id"]]
    assert pods["Pod1"].items["server"][server_id]["networks"] == [
        {"port": "b-" + ports["ports"][0]["id"]}]
    api("POST", "/networking/v2.0/networks", {"network": {"name": "n3"}}, as_="demo")
    status, body = create("auto", "2.37")
    assert status == 409 and "Multiple possible networks" in body["conflictingRequest"][
        "message"]


def test_an_action_body_that_is_no_object_is_no_500(api) -> None:
    """The fuzzer's find: a JSON list as a server action's body (the security group
    actions looked into it as an object)."""
    make_pods(api)
    server = boot(api, "acted")
    for body in ([], ["addSecurityGroup"], "x", 7, {}, {"reboot": {}, "pause": None}):
        status, answer = api("POST", f"{COMPUTE}/servers/{server['id']}/action", body)
        assert (status, answer["badRequest"]["message"]) == (
            400, "Malformed message body: too many body keys"), body


def test_ids_known_to_be_top_ids_are_not_looked_up(api, pods,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A server's own id and its image's (Glance is shared) are top ids already: an
    answer naming nothing else makes no routing query."""
    make_pods(api)
    server = boot(api, "plain", "az1")
    image = "70000000-0000-4000-8000-000000000007"
    pods["Pod1"].items["server"][server["id"]]["image"] = {"id": image, "links": []}
    asked: list[set[str]] = []
    real = routing.top_ids
    monkeypatch.setattr(routing, "top_ids", lambda pod_id, ids: asked.append(set(ids)) or
                        real(pod_id, ids))
    shown = api("GET", f"{COMPUTE}/servers/{server['id']}", as_="demo")[1]["server"]
    assert shown["id"] == server["id"] and shown["image"]["id"] == image
    [listed] = api("GET", f"{COMPUTE}/servers/detail?name=plain", as_="demo")[1]["servers"]
    assert listed["image"]["id"] == image
    assert asked and not set().union(*asked) & {server["id"], image}
