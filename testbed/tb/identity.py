"""Users, projects, regions and catalog entries in the shared Keystone (idempotent)."""
from __future__ import annotations

import json

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from . import layout

SERVICE_USERS = ("nova", "placement", "cinder", "neutron", "glance")
# Tricircle's own account: admin in every pod (it creates provider VLAN bridge
# networks and lists across projects), the Keystone role being global.
TRICIRCLE_USER = "tricircle"


def admin_session() -> ks_session.Session:
    auth = v3.Password(auth_url=layout.KEYSTONE_URL, username="admin",
                       password=layout.ADMIN_PASSWORD, project_name="admin",
                       user_domain_id="default", project_domain_id="default")
    return ks_session.Session(auth=auth)


class Keystone:
    def __init__(self) -> None:
        self.s = admin_session()
        self.base = layout.KEYSTONE_URL

    def _get(self, path: str, key: str, **params: str) -> list[dict]:
        return self.s.get(self.base + path, params=params).json()[key]

    def _post(self, path: str, key: str, body: dict) -> dict:
        return self.s.post(self.base + path, json={key: body}).json()[key]

    def ensure(self, path: str, key: str, name: str, body: dict) -> str:
        found = self._get(path, key + "s", name=name)
        if found:
            return found[0]["id"]
        return self._post(path, key, {"name": name, **body})["id"]

    def project(self, name: str) -> str:
        return self.ensure("/projects", "project", name, {"domain_id": "default"})

    def role(self, name: str) -> str:
        return self.ensure("/roles", "role", name, {})

    def user(self, name: str, password: str, project: str, roles: list[str]) -> str:
        user_id = self.ensure("/users", "user", name,
                              {"domain_id": "default", "password": password})
        for role in roles:
            self.s.put(f"{self.base}/projects/{project}/users/{user_id}/roles/"
                       f"{self.role(role)}")
        return user_id

    def region(self, name: str) -> None:
        if self.s.get(f"{self.base}/regions/{name}", raise_exc=False).status_code == 404:
            self._post("/regions", "region", {"id": name})

    def service(self, name: str, type_: str) -> str:
        for svc in self._get("/services", "services", type=type_):
            if svc["name"] == name:
                return svc["id"]
        return self._post("/services", "service", {"name": name, "type": type_})["id"]

    def endpoint(self, region: str, name: str, type_: str, url: str) -> None:
        """Make (region, service) have exactly `url` on all three interfaces."""
        self.region(region)
        service_id = self.service(name, type_)
        have = self._get("/endpoints", "endpoints", service_id=service_id, region_id=region)
        for iface in ("public", "internal", "admin"):
            mine = [e for e in have if e["interface"] == iface]
            if mine and mine[0]["url"] == url:
                continue
            for stale in mine:
                self.s.delete(f"{self.base}/endpoints/{stale['id']}")
            self._post("/endpoints", "endpoint", {"service_id": service_id, "region_id": region,
                                                  "interface": iface, "url": url})


STAMP = layout.STATE / "keystone" / "registered.json"


def register(pods: list[layout.Pod]) -> None:
    """Register everything once; the stamp (beside Keystone's data) skips it next time."""
    want = json.dumps({"pods": [p.region for p in pods], "version": 2})
    if STAMP.exists() and STAMP.read_text() == want:
        return
    register_shared(pods)
    for p in pods:
        register_pod(p)
    STAMP.write_text(want)


def register_shared(pods: list[layout.Pod]) -> None:
    ks = Keystone()
    service = ks.project("service")
    demo = ks.project("demo")
    ks.role("service")
    ks.role("member")
    for user in (*SERVICE_USERS, TRICIRCLE_USER):
        ks.user(user, layout.SERVICE_PASSWORD, service, ["admin", "service"])
    ks.user("demo", layout.DEMO_PASSWORD, demo, ["member"])
    # A second project, for the isolation tests: what demo makes, alt must not reach.
    ks.user("alt", layout.DEMO_PASSWORD, ks.project("alt"), ["member"])
    # Glance and Keystone are shared: every region's catalog names the same URLs.
    for region in (layout.TOP_REGION, *(p.region for p in pods)):
        ks.endpoint(region, "keystone", "identity", layout.KEYSTONE_URL)
        ks.endpoint(region, "glance", "image", layout.GLANCE_URL)


def register_pod(pod: layout.Pod) -> None:
    ks = Keystone()
    ks.endpoint(pod.region, "nova", "compute", pod.url("nova"))
    ks.endpoint(pod.region, "placement", "placement", pod.url("placement"))
    ks.endpoint(pod.region, "cinderv3", "volumev3", pod.url("cinder") + "/$(project_id)s")
    ks.endpoint(pod.region, "cinder", "block-storage", pod.url("cinder") + "/$(project_id)s")
    ks.endpoint(pod.region, "neutron", "network", pod.url("neutron"))
