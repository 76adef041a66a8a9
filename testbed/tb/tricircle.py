"""Tricircle itself on the testbed: installed from the checkout (.venv), configured,
its database synced, tricircle-api and tricircle-xjob started, RegionOne's endpoints
pointed at it and the pods registered. Restarted on every `up`, so it runs the code of
the checkout."""
from __future__ import annotations

import os

from . import confs, identity, layout, procs, shared

DIR = layout.STATE / "tricircle"
CONF = DIR / "tricircle.conf"
API_URL = f"http://{layout.HOST}:{layout.TRICIRCLE_PORT}"
# The production shape: two API worker processes behind one port, two xjob processes,
# one PostgreSQL. TESTBED_TRICIRCLE_DB=sqlite runs it on the embedded default instead.
XJOBS = ("tricircle-xjob", "tricircle-xjob-2")
SERVICES = ("tricircle-api", *XJOBS)
API_WORKERS = 2


def bin(name: str) -> str:
    return str(layout.TRICIRCLE_VENV / "bin" / name)


def database_url() -> str:
    if os.environ.get("TESTBED_TRICIRCLE_DB", "postgresql") == "sqlite":
        return f"sqlite:///{DIR / 'tricircle.sqlite'}"
    return shared.postgres(["tricircle"]) + "/tricircle"


def write_config() -> None:
    account = confs.service_auth("tricircle", layout.TOP_REGION)
    account.pop("region_name")
    confs.write_ini(CONF, {
        "DEFAULT": {"state_path": DIR, "debug": "false"},
        "api": {"bind_host": layout.HOST, "bind_port": layout.TRICIRCLE_PORT,
                "workers": API_WORKERS},
        "database": {"connection": database_url()},
        "keystone_authtoken": confs.authtoken("tricircle", layout.TOP_REGION),
        "service_credentials": account,
        # A hung pod is given up on in 20 s (tests/testbed/test_faults.py waits for it).
        # A merged list leaves a pod out after 3 s (tests/testbed/test_pod_down.py).
        # Pods on this host connect at once: the connect timeout fits the short leases'
        # margin (tricircle-xjob refuses one that does not: worker.check_lease_margin).
        "client": {"top_region": layout.TOP_REGION, "timeout": 20, "list_deadline": 3,
                   "connect_timeout": 1},
        # The pods' ML2 VLAN range for bridges (tb/pod.py) is Tricircle's to hand out.
        "l3": {"bridge_physical_network": layout.BRIDGE_PHYSNET,
               "bridge_vlan_range": f"{layout.BRIDGE_VLANS[0]}:{layout.BRIDGE_VLANS[1]}"},
        # A pod that comes back is retried within seconds, not minutes.
        # A job of a killed tricircle-xjob is taken over within ~20 s, not minutes.
        "xjob": {"backoff_max": 5, "lease_seconds": 10},
        # A pod's service seen down (or back) within ~5 s.
        "health": {"interval": 2, "threshold": 2, "timeout": 3},
    })


def manage(*args: str) -> str:
    return procs.run([bin("tricircle-manage"), "--config-file", str(CONF), *args],
                     "tricircle-setup")


def start() -> None:
    """(Re)start tricircle-api and -xjob; TRICIRCLE_EXTRA_CONFIG names a file of options
    laid over the testbed's (bin/conformance: the default availability zones)."""
    write_config()
    for name in SERVICES:
        procs.stop(name)
    manage("db", "sync")
    extra = os.environ.get("TRICIRCLE_EXTRA_CONFIG")
    confs_args = ["--config-file", str(CONF), *(["--config-file", extra] if extra else [])]
    procs.start("tricircle-api", [bin("tricircle-api"), *confs_args])
    for name in XJOBS:
        procs.start(name, [bin("tricircle-xjob"), *confs_args])
    procs.wait_until("tricircle-api", procs.http_answers(API_URL + "/v1.0"), timeout=60,
                     what="answering on port 19999")
    manage("register-endpoints", "--url", API_URL)


def register_pods(pods: list[layout.Pod]) -> None:
    """The top region and every pod, as an operator would with the admin API."""
    admin = identity.admin_session()
    have = {p["pod_name"] for p in admin.get(API_URL + "/v1.0/pods").json()["pods"]}
    wanted = [{"pod_name": layout.TOP_REGION}] + [
        {"pod_name": p.region, "az_name": p.az} for p in pods]
    for pod in wanted:
        if pod["pod_name"] not in have:
            admin.post(API_URL + "/v1.0/pods", json={"pod": pod})
