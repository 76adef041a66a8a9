"""The in-process API suite: Tricircle's real WSGI apps on SQLite, with keystonemiddleware
replaced by the identity headers it would set, and pods in memory (tests/fakepods.py).
Runs in seconds; what needs real services is in tests/testbed."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import webob
import webob.dec

from tests.apiclient import Api
from tests.fakepods import FakePod, FakePodClients
from tricircle.api import deploy, versions
from tricircle.core import clients, conf, health

# token -> (user, project, roles), as Keystone would answer for it.
IDENTITIES = {
    "admin": ("admin-user", "admin-project", "admin,member,reader"),
    "demo": ("demo-user", "demo-project", "member,reader"),
    "other": ("other-user", "other-project", "member,reader"),
    "reader": ("reader-user", "demo-project", "reader"),
}


def fake_identity(app: Callable) -> Callable:
    """What keystonemiddleware (delay_auth_decision) leaves for the app to read."""
    @webob.dec.wsgify
    def middleware(req: webob.Request) -> webob.Response:
        for name in list(req.headers):
            if name.lower().startswith(("x-identity", "x-user", "x-project", "x-roles")):
                del req.headers[name]
        token = req.headers.get("X-Auth-Token")
        if token in IDENTITIES:
            user, project, roles = IDENTITIES[token]
            req.headers.update({
                "X-Identity-Status": "Confirmed", "X-User-Id": user, "X-Project-Id": project,
                "X-Roles": roles, "X-User-Domain-Id": "default",
                "X-Project-Domain-Id": "default"})
        else:
            req.headers["X-Identity-Status"] = "Invalid"
        return req.get_response(app)
    return middleware


@pytest.fixture(scope="session")
def configured() -> None:
    """Options parsed (policy needs it): defaults, unless the testbed's file already was."""
    try:
        conf.CONF.find_file("policy.yaml")
    except conf.cfg.NotInitializedError:
        conf.setup([], default_config_files=[])


@pytest.fixture
def pods(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakePod]:
    """Pod1 in az1, Pod2 in az2, in memory (registered with the admin API by make_pods)."""
    made = {"Pod1": FakePod("Pod1", "az1"), "Pod2": FakePod("Pod2", "az2")}
    monkeypatch.setattr(clients, "_clients", FakePodClients(made.values()))
    return made


@pytest.fixture
def api(configured: None, database: str, pods: dict[str, FakePod],
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The apps on a fresh SQLite database; callers "admin", "demo", "other", "reader"."""
    monkeypatch.setattr(versions, "_caches", {})  # ranges are per set of pods
    monkeypatch.setattr(health, "_seen", {})  # so is what the probes found
    yield Api(deploy.all_apps(auth=fake_identity), {t: t for t in IDENTITIES})
