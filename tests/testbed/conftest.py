"""Fixtures for tests against the running testbed: started once per run, never per test."""
from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import openstack
import openstack.config
import openstack.connection
import pytest
import webob
from openstack import exceptions as os_exc

from tricircle.api import deploy, faults
from tricircle.core import conf

REPO = Path(__file__).resolve().parents[2]
CLOUDS = REPO / ".testbed" / "clouds.yaml"


@pytest.fixture(scope="session")
def testbed() -> Path:
    """Make sure the testbed runs (`testbed/up` is idempotent and quick when it does)."""
    if subprocess.run([REPO / "testbed" / "status"], capture_output=True).returncode != 0:
        subprocess.run([REPO / "testbed" / "up"], check=True)
    return CLOUDS


def connect(cloud: str) -> openstack.connection.Connection:
    config = openstack.config.OpenStackConfig(config_files=[str(CLOUDS)], load_envvars=False)
    return openstack.connection.Connection(config=config.get_one(cloud))


@pytest.fixture(scope="session")
def cloud(testbed: Path) -> Callable[[str], openstack.connection.Connection]:
    """cloud("pod1") -> a cached openstacksdk connection for that clouds.yaml entry."""
    cache: dict[str, openstack.connection.Connection] = {}

    def get(name: str) -> openstack.connection.Connection:
        if name not in cache:
            cache[name] = connect(name)
        return cache[name]
    return get


@pytest.fixture
def unique() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cleanup() -> Iterator[Callable[[Callable[[], object]], None]]:
    """Register undo steps; they run last-in first-out, each tolerating NotFound."""
    steps: list[Callable[[], object]] = []
    yield steps.append
    errors = []
    for step in reversed(steps):
        try:
            step()
        except os_exc.NotFoundException:
            pass
        except Exception as err:  # noqa: BLE001 - report all, not just the first
            errors.append(err)
    assert not errors, f"cleanup failed: {errors}"



class Api:
    """Tricircle's WSGI apps in this process (real keystonemiddleware against the
    testbed's Keystone, real pods) on a database of the test's own."""

    def __init__(self, app: Callable, tokens: dict[str, str]) -> None:
        self.app = app
        self.tokens = tokens

    def __call__(self, method: str, path: str, body: object = None, *, as_: str = "admin",
                 raw: bytes | None = None, headers: dict | None = None,
                 pod_down: bool = False) -> tuple[int, dict]:
        """(status, body); a 5xx fails the test unless `pod_down` (a 503 naming a pod)."""
        req = webob.Request.blank(path, method=method)
        if as_:
            req.headers["X-Auth-Token"] = self.tokens.get(as_, as_)
        if body is not None or raw is not None:
            req.body = raw if raw is not None else json.dumps(body).encode()
            req.content_type = "application/json"
        req.headers.update(headers or {})
        resp = req.get_response(self.app)
        if pod_down and resp.status_code == 503:
            assert "unavailable" in resp.text, resp.text
        else:
            assert resp.status_code < 500, f"{method} {path}: {resp.status} {resp.text[:500]}"
        if resp.status_code >= 400 and not resp.json_body.get("error"):
            [(name, fault)] = resp.json_body.items()
            if path.startswith("/networking"):  # Neutron's shape
                assert name == "NeutronError" and fault["type"] and fault["message"], resp.text
                assert fault["detail"] == "", resp.text
            else:  # Nova's: {"<name>": {"message", "code"}}
                assert name == faults.NOVA_NAMES[resp.status_code], resp.text
                assert fault["code"] == resp.status_code and fault["message"], resp.text
        return resp.status_code, (resp.json_body if resp.body else {})


@pytest.fixture(scope="session")
def tricircle_conf(testbed: Path) -> Path:
    conf_file = REPO / ".testbed" / "tricircle" / "tricircle.conf"
    conf.setup(["--config-file", str(conf_file)])
    return conf_file


@pytest.fixture(scope="session")
def _api(tricircle_conf: Path, cloud: Callable[[str], openstack.connection.Connection]) -> Api:
    tokens = {"admin": cloud("tricircle").session.get_token(),
              "demo": cloud("tricircle-demo").session.get_token()}
    return Api(deploy.all_apps(), tokens)


@pytest.fixture
def api(_api: Api, database: str) -> Api:
    """The apps, on a fresh database (each request reads the configured URL)."""
    return _api


@pytest.fixture(scope="session")
def flavor(testbed: Path, cloud: Callable) -> Iterator[str]:
    """A flavor made through RegionOne: it exists in every pod with one id."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    made = cloud("tricircle").compute.create_flavor(name=name, ram=64, vcpus=1, disk=1)
    yield name
    cloud("tricircle").compute.delete_flavor(made.id, ignore_missing=True)
