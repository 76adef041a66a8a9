"""Fixtures for tests against the running testbed: started once per run, never per test."""
from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import openstack
import openstack.config
import openstack.connection
import pytest
from openstack import exceptions as os_exc

from tests.apiclient import Api
from tricircle.api import deploy
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
    # A pod's server may close an idle kept-alive connection as a request goes out
    # (ConnectionResetError, seen on Neutron): retried, as Tricircle's own client does.
    return openstack.connection.Connection(config=config.get_one(cloud, connect_retries=3))


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
