"""tricircle-api keeps a token it validated a moment ago in memory (api/deploy.py): the
fetch from keystonemiddleware's cache is skipped, nothing else."""
from __future__ import annotations

import datetime
import sys
import threading
from collections.abc import Callable

import pytest
import webob
from keystoneauth1.access import access
from keystonemiddleware import auth_token
from keystonemiddleware.auth_token import _exceptions
from oslo_config import cfg

from tricircle.api import deploy


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """keystonemiddleware's own fetches (memcached or Keystone), with a stand-in answer:
    `bad` tokens are refused as Keystone refuses them."""
    calls: list[tuple[str, bool]] = []

    def fetch(self: auth_token.AuthProtocol, token: str, allow_expired: bool = False) -> dict:
        calls.append((token, allow_expired))
        if token.startswith("bad"):
            raise _exceptions.InvalidToken("Token authorization failed")
        return {"token": {"for": token}}
    monkeypatch.setattr(auth_token.AuthProtocol, "fetch_token", fetch)
    return calls


@pytest.fixture
def protocol() -> deploy.AuthProtocol:
    conf = cfg.ConfigOpts()
    conf([], project="tricircle-test")
    return deploy.AuthProtocol(lambda env, start: [], {"oslo_config_config": conf})


def test_a_token_is_fetched_once_while_recent_then_again(
        protocol: deploy.AuthProtocol, fetched: list, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(deploy.time, "monotonic", lambda: clock[0])
    first = protocol._do_fetch_token("tok-a")
    assert first[0] == {"token": {"for": "tok-a"}}
    assert protocol._do_fetch_token(" tok-a ") == first  # the same data and AccessInfo
    assert protocol._do_fetch_token("tok-b")[0] == {"token": {"for": "tok-b"}}
    assert fetched == [("tok-a", False), ("tok-b", False)]
    clock[0] += protocol.RECENT_SECONDS
    assert protocol._do_fetch_token("tok-a")[1] is not first[1]
    assert fetched[-1] == ("tok-a", False) and len(fetched) == 3


def test_refused_and_expired_allowed_tokens_are_never_kept(
        protocol: deploy.AuthProtocol, fetched: list) -> None:
    for _ in range(2):
        with pytest.raises(_exceptions.InvalidToken):
            protocol._do_fetch_token("bad-token")
        protocol._do_fetch_token("tok-c", allow_expired=True)
    assert fetched == [("bad-token", False), ("tok-c", True)] * 2


def test_memory_is_bounded(protocol: deploy.AuthProtocol, fetched: list) -> None:
    for i in range(protocol.RECENT_MAX * 3):
        protocol._do_fetch_token(f"tok-{i}")
    assert len(protocol._recent) <= protocol.RECENT_MAX
    assert len(fetched) == protocol.RECENT_MAX * 3


def test_memory_is_safe_under_threads(protocol: deploy.AuthProtocol, fetched: list,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Request threads evict while others add: evicting iterated a dict that changed size
    under it (a bare 500)."""
    monkeypatch.setattr(protocol, "RECENT_MAX", 64)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can
    failures: list[BaseException] = []

    def many(n: int) -> None:
        try:
            for i in range(3000):
                protocol._do_fetch_token(f"tok-{n}-{i}")
        except BaseException as err:  # noqa: BLE001 - what the request thread would see
            failures.append(err)
    try:
        threads = [threading.Thread(target=many, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert failures == [] and len(protocol._recent) <= protocol.RECENT_MAX


def _token(expires: datetime.datetime) -> dict:
    return {"token": {
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), "methods": ["password"],
        "user": {"id": "u1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
        "project": {"id": "p1", "name": "demo",
                    "domain": {"id": "default", "name": "Default"}},
        "roles": [{"id": "r1", "name": "member"}],
        "catalog": [{"type": "compute", "name": "nova", "endpoints": [
            {"interface": "public", "region": "RegionOne", "url": "http://x/v2.1"}]}]}}


class _App:
    """The app behind keystonemiddleware: keeps the environ of the last request."""

    def __init__(self) -> None:
        self.seen: dict = {}

    def __call__(self, environ: dict, start: Callable) -> list[bytes]:
        self.seen = dict(environ)
        start("200 OK", [])
        return []

    def through(self, protocol: deploy.AuthProtocol, headers: dict) -> dict:
        webob.Request.blank("/", headers=headers).get_response(protocol)
        return self.seen


def _protocol(app: Callable) -> deploy.AuthProtocol:
    conf = cfg.ConfigOpts()
    conf([], project="tricircle-test")
    return deploy.AuthProtocol(app, {"oslo_config_config": conf,
                                     "delay_auth_decision": True})


@pytest.fixture
def serving(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[_App, deploy.AuthProtocol]]:
    """An app behind keystonemiddleware whose fetch answers with `token` (by default one
    valid for an hour)."""
    def serve(token: dict | None = None) -> tuple[_App, deploy.AuthProtocol]:
        token = token or _token(
            datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
        monkeypatch.setattr(auth_token.AuthProtocol, "fetch_token",
                            lambda self, tok, allow_expired=False: token)
        app = _App()
        return app, _protocol(app)
    return serve


def test_tokens_are_validated_with_their_catalog_but_no_catalog_header_is_made(
        serving: Callable) -> None:
    # What keystonemiddleware caches (in a memcached the pods' Nova may share) keeps the
    # catalog; the X-Service-Catalog header nothing in Tricircle reads is not made.
    app, protocol = serving()
    seen = app.through(protocol, {"X-Auth-Token": "tok"})
    assert protocol._identity_server._include_service_catalog is True
    assert seen["HTTP_X_IDENTITY_STATUS"] == "Confirmed"
    assert (seen["HTTP_X_USER_ID"], seen["HTTP_X_PROJECT_ID"]) == ("u1", "p1")
    assert "HTTP_X_SERVICE_CATALOG" not in seen


FORGED = {"X-Identity-Status": "Confirmed", "X-Roles": "admin", "X-Project-Id": "victim",
          "OpenStack-System-Scope": "all",
          "X-Tenant-Id": "victim", "X-Service-Roles": "service", "X-Is-Admin-Project": "True",
          "X-Service-Identity-Status": "Confirmed", "X-User-Id": "someone"}


def test_identity_headers_a_client_sent_never_reach_the_app(serving: Callable) -> None:
    app, protocol = serving()
    for _ in range(2):  # fetched, then kept in memory
        seen = app.through(protocol, {"X-Auth-Token": "tok", **FORGED})
        assert seen["HTTP_X_IDENTITY_STATUS"] == "Confirmed"
        assert (seen["HTTP_X_ROLES"], seen["HTTP_X_PROJECT_ID"],
                seen["HTTP_X_TENANT_ID"], seen["HTTP_X_USER_ID"]) == (
            "member", "p1", "p1", "u1")
        assert seen["HTTP_X_IS_ADMIN_PROJECT"] == "True"  # no admin project configured
        assert "HTTP_X_SERVICE_ROLES" not in seen
        assert "HTTP_X_SERVICE_IDENTITY_STATUS" not in seen
        assert seen["HTTP_OPENSTACK_SYSTEM_SCOPE"] is None  # a project's token
    seen = app.through(protocol, {"X-Storage-Token": "tok", **FORGED})  # Swift's name
    assert (seen["HTTP_X_IDENTITY_STATUS"], seen["HTTP_X_ROLES"]) == ("Confirmed", "member")
    seen = app.through(protocol, FORGED)  # no token at all
    assert seen["HTTP_X_IDENTITY_STATUS"] == "Invalid"
    assert not {"HTTP_X_ROLES", "HTTP_X_PROJECT_ID", "HTTP_X_USER_ID",
                "HTTP_X_SERVICE_ROLES"} & seen.keys()


def test_a_token_kept_in_memory_is_refused_once_it_expires(
        monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    token = _token(now + datetime.timedelta(seconds=5))
    fetches: list[str] = []
    monkeypatch.setattr(auth_token.AuthProtocol, "fetch_token",
                        lambda self, tok, allow_expired=False: fetches.append(tok) or token)
    protocol = _protocol(lambda env, start: [])
    request = deploy._AuthRequest.blank("/", headers={"X-Auth-Token": "tok"})
    protocol.process_request(request)
    assert request.user_token_valid
    monkeypatch.setattr(access.utils, "from_utcnow",
                        lambda seconds=0: now + datetime.timedelta(seconds=6 + seconds))
    request = deploy._AuthRequest.blank("/", headers={"X-Auth-Token": "tok"})
    protocol.process_request(request)
    assert not request.user_token_valid
    assert fetches == ["tok"]  # still the kept token: its expiry checked on each request


def test_a_system_scoped_token_keeps_its_scope(serving: Callable) -> None:
    token = _token(datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
    del token["token"]["project"]
    token["token"]["system"] = {"all": True}
    app, protocol = serving(token)
    for _ in range(2):  # fetched, then kept in memory
        seen = app.through(protocol, {"X-Auth-Token": "tok"})
        assert seen["HTTP_OPENSTACK_SYSTEM_SCOPE"] == "all"
        assert seen["HTTP_X_IDENTITY_STATUS"] == "Confirmed"
