"""Where everything of the testbed lives: paths, ports, names, credentials.

One place so that scripts, tests and docs agree. Everything listens on 127.0.0.1.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("TESTBED_DIR", REPO / ".testbed"))
# The venv outlives a checkout (sessions and CI clone anew on the same machine);
# it is keyed by the constraints file, so a change of pins builds a new one.
CACHE = Path(os.environ.get("TESTBED_CACHE", Path.home() / ".cache" / "tricircle"))
VENV = Path(os.environ.get("TESTBED_VENV", CACHE / "testbed-venv"))
TRICIRCLE_VENV = Path(os.environ.get("TRICIRCLE_VENV", REPO / ".venv"))
RUN = STATE / "run"
LOGS = STATE / "logs"

HOST = "127.0.0.1"
KEYSTONE_PORT = 30500
GLANCE_PORT = 30292
MARIADB_PORT = 30306
RABBIT_PORT = 30672
RABBIT_DIST_PORT = 30673
EPMD_PORT = 30674
RABBIT_CTL_PORTS = (30675, 30679)
TRICIRCLE_PORT = 19999
MEMCACHED_PORT = 30211
POSTGRES_PORT = 30432

ADMIN_PASSWORD = "admin"
DEMO_PASSWORD = "demo"
SERVICE_PASSWORD = "servicepass"
DB_USER = DB_PASSWORD = "openstack"
TOP_REGION = "RegionOne"
# The neutron `test` mechanism driver (shipped in the neutron wheel) binds any port
# whose binding:host_id is this name: see docs/testbed.md, "Ports without agents".
COMPUTE_HOST = "host-ovs-filter-active"
BRIDGE_PHYSNET = "bridge"
BRIDGE_VLANS = (2001, 3000)
IMAGE_NAME = "tiny-raw"

KEYSTONE_URL = f"http://{HOST}:{KEYSTONE_PORT}/v3"
GLANCE_URL = f"http://{HOST}:{GLANCE_PORT}"
MEMCACHED = f"{HOST}:{MEMCACHED_PORT}"


def db_url(name: str) -> str:
    return (f"mysql+pymysql://{DB_USER}:{DB_PASSWORD}@{HOST}:{MARIADB_PORT}/{name}"
            "?charset=utf8")


@dataclass(frozen=True)
class Pod:
    """One bottom OpenStack: its own Nova, Placement, Cinder and Neutron."""

    index: int

    @property
    def region(self) -> str:
        return f"Pod{self.index}"

    @property
    def az(self) -> str:
        return f"az{self.index}"

    @property
    def key(self) -> str:  # lower-case name for files, databases, vhosts
        return f"pod{self.index}"

    @property
    def dir(self) -> Path:
        return STATE / self.key

    def port(self, service: str) -> int:
        offsets = {"nova": 0, "placement": 1, "cinder": 2, "neutron": 3, "novnc": 4}
        return 31000 + (self.index - 1) * 20 + offsets[service]

    def url(self, service: str) -> str:
        path = {"nova": "/v2.1", "placement": "", "cinder": "/v3", "neutron": "",
                "novnc": "/vnc_auto.html"}[service]
        return f"http://{HOST}:{self.port(service)}{path}"

    def db(self, name: str) -> str:
        return f"{name}_{self.key}"

    @property
    def transport_url(self) -> str:
        return f"rabbit://guest:guest@{HOST}:{RABBIT_PORT}/{self.key}"


def pods(count: int) -> list[Pod]:
    return [Pod(i) for i in range(1, count + 1)]


POD_COUNT_FILE = STATE / "pods.json"


def saved_pods() -> list[Pod]:
    """The pods the last `testbed/up` started (2 before the first run)."""
    try:
        return pods(json.loads(POD_COUNT_FILE.read_text())["pods"])
    except (OSError, ValueError, KeyError):
        return pods(2)
