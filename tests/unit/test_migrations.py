"""`tricircle-manage db sync` on empty databases, and the migrations match the models."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from tests.conftest import both_databases
from tricircle.core.db import make_engine, migration
from tricircle.core.db.models import Base

TABLES = {"pods", "pod_bindings", "routings", "jobs", "list_cursors", "networks", "subnets",
          "ports", "ip_allocations", "routers", "bridges", "bridge_ports", "security_groups",
          "security_group_rules", "port_security_groups", "router_ports", "sync_status",
          "pod_health",
          "alembic_version"}


def manage(tmp_path: Path, url: str, *args: str, progress: list | None = None) -> str:
    """The command's answer (stdout); its progress lines (stderr) into `progress`."""
    conf = tmp_path / "tricircle.conf"
    conf.write_text(f"[database]\nconnection = {url}\n")
    bin_dir = Path(sys.executable).parent
    done = subprocess.run([str(bin_dir / "tricircle-manage"), "--config-file", str(conf),
                           *args], check=True, capture_output=True, text=True)
    if progress is not None:
        progress += [ln for ln in done.stderr.splitlines() if ln.startswith("[")]
    return done.stdout


@both_databases
def test_db_sync_builds_the_schema_the_models_describe(empty_db: str, tmp_path: Path) -> None:
    assert manage(tmp_path, empty_db, "db", "version").strip() == "empty"
    steps: list[str] = []
    manage(tmp_path, empty_db, "db", "sync", progress=steps)
    again: list[str] = []
    manage(tmp_path, empty_db, "db", "sync", progress=again)  # idempotent
    head = ScriptDirectory.from_config(migration.alembic_config(empty_db)).get_current_head()
    # One line per migration as it is applied; none when there is nothing to do.
    assert len(steps) == int(head) and again == []
    assert steps[0].startswith(f"[1/{head.lstrip('0')}] 0001: ")
    assert steps[-1].startswith(f"[{head.lstrip('0')}/{head.lstrip('0')}] {head}: ")
    checks: list[str] = []
    assert manage(tmp_path, empty_db, "check", progress=checks) == "consistent\n"
    assert [c.split(":")[0] for c in checks] == [
        "[1/4] routing claims never filled", "[2/4] failed jobs",
        "[3/4] running jobs whose lease expired", "[4/4] pods' regions in Keystone (0 pods)"]
    assert manage(tmp_path, empty_db, "db", "version").strip() == head
    engine = make_engine(empty_db)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()


@both_databases
def test_data_made_at_an_earlier_revision_survives_the_upgrade(empty_db: str) -> None:
    """A database at 0004 (networks, routers, bridges), filled, upgraded to head: old ports
    were not made for servers, a router's interfaces are its own project's ports that
    name it (not another project's port claiming it), and the models read it all."""
    from sqlalchemy import text  # noqa: PLC0415

    from tricircle.core import db  # noqa: PLC0415
    from tricircle.core.db import models  # noqa: PLC0415
    from tricircle.network import routers  # noqa: PLC0415

    migration.sync(empty_db, "0004")
    now = "2026-11-01 00:00:00"
    engine = make_engine(empty_db)
    rows = {
        "networks": [{"id": n, "project_id": proj, "name": n, "description": "",
                      "admin_state_up": True, "shared": False, "mtu": 1500,
                      "az_hints": '["az1"]', "revision_number": 1, "created_at": now,
                      "updated_at": now} for n, proj in (("na", "A"), ("nb", "B"))],
        "subnets": [{"id": s, "network_id": n, "project_id": proj, "name": "", "description": "",
                     "ip_version": 4, "cidr": cidr, "gateway_ip": gw, "enable_dhcp": True,
                     "allocation_pools": "[]", "host_routes": "[]", "dns_nameservers": "[]",
                     "revision_number": 1, "created_at": now, "updated_at": now}
                    for s, n, proj, cidr, gw in (("sa", "na", "A", "10.0.0.0/24", "10.0.0.1"),
                                                 ("sb", "nb", "B", "10.1.0.0/24", "10.1.0.1"))],
        "routers": [{"id": "ra", "project_id": "A", "name": "", "description": "",
                     "admin_state_up": True, "routes": "[]", "revision_number": 1,
                     "created_at": now, "updated_at": now}],
        "ports": [{"id": pid, "network_id": n, "project_id": proj, "name": "", "description": "",
                   "mac_address": mac, "admin_state_up": True, "device_id": "ra",
                   "device_owner": "network:router_interface", "revision_number": 1,
                   "created_at": now, "updated_at": now}
                  for pid, n, proj, mac in (("pa", "na", "A", "fa:16:3e:00:00:01"),
                                            ("pb", "nb", "B", "fa:16:3e:00:00:02"))],
        "ip_allocations": [{"port_id": "pa", "subnet_id": "sa", "ip_address": "10.0.0.1"},
                           {"port_id": "pb", "subnet_id": "sb", "ip_address": "10.1.0.1"}],
    }
    with engine.begin() as conn:
        for table, values in rows.items():
            for row in values:
                cols = ", ".join(row)
                conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES "
                                  f"({', '.join(':' + c for c in row)})"), row)
    engine.dispose()
    migration.sync(empty_db)
    with db.transaction(empty_db) as s:
        assert [p.server_owned for p in s.scalars(select(models.Port))] == [False, False]
        assert [(rp.port_id, rp.router_id) for rp in s.scalars(select(models.RouterPort))] \
            == [("pa", "ra")]
        assert [port.id for port, *_ in routers.interfaces(s, "ra")] == ["pa"]
        assert s.get_one(models.Network, "na").az_hints == ["az1"]
        assert s.scalars(select(models.PortSecurityGroup)).all() == []
