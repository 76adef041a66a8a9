"""tricircle-api keeps a token it validated a moment ago in memory (api/deploy.py): the
fetch from keystonemiddleware's cache is skipped, nothing else."""
from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
import webob
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
    assert protocol.fetch_token("tok-a") == {"token": {"for": "tok-a"}}
    assert protocol.fetch_token("tok-a") == {"token": {"for": "tok-a"}}
    assert protocol.fetch_token("tok-b") == {"token": {"for": "tok-b"}}
    assert fetched == [("tok-a", False), ("tok-b", False)]
    clock[0] += protocol.RECENT_SECONDS
    protocol.fetch_token("tok-a")
    assert fetched[-1] == ("tok-a", False) and len(fetched) == 3


def test_refused_and_expired_allowed_tokens_are_never_kept(
        protocol: deploy.AuthProtocol, fetched: list) -> None:
    for _ in range(2):
        with pytest.raises(_exceptions.InvalidToken):
            protocol.fetch_token("bad-token")
        protocol.fetch_token("tok-c", allow_expired=True)
    assert fetched == [("bad-token", False), ("tok-c", True)] * 2


def test_memory_is_bounded(protocol: deploy.AuthProtocol, fetched: list) -> None:
    for i in range(protocol.RECENT_MAX * 3):
        protocol.fetch_token(f"tok-{i}")
    assert len(protocol._recent) <= protocol.RECENT_MAX
    assert len(fetched) == protocol.RECENT_MAX * 3


def test_tokens_are_validated_with_their_catalog_but_no_catalog_header_is_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # What keystonemiddleware caches (in a memcached the pods' Nova may share) keeps the
    # catalog; the X-Service-Catalog header nothing in Tricircle reads is not made.
    expires = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1))
    token = {"token": {
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), "methods": ["password"],
        "user": {"id": "u1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
        "project": {"id": "p1", "name": "demo",
                    "domain": {"id": "default", "name": "Default"}},
        "roles": [{"id": "r1", "name": "member"}],
        "catalog": [{"type": "compute", "name": "nova", "endpoints": [
            {"interface": "public", "region": "RegionOne", "url": "http://x/v2.1"}]}]}}
    monkeypatch.setattr(auth_token.AuthProtocol, "fetch_token",
                        lambda self, tok, allow_expired=False: token)
    seen: dict = {}

    def app(environ: dict, start: Callable) -> list[bytes]:
        seen.update(environ)
        start("200 OK", [])
        return []
    conf = cfg.ConfigOpts()
    conf([], project="tricircle-test")
    protocol = deploy.AuthProtocol(app, {"oslo_config_config": conf})
    webob.Request.blank("/", headers={"X-Auth-Token": "tok"}).get_response(protocol)
    assert protocol._identity_server._include_service_catalog is True
    assert seen["HTTP_X_IDENTITY_STATUS"] == "Confirmed"
    assert (seen["HTTP_X_USER_ID"], seen["HTTP_X_PROJECT_ID"]) == ("u1", "p1")
    assert "HTTP_X_SERVICE_CATALOG" not in seen
