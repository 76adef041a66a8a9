"""`tricircle-manage db sync` on empty databases, and the migrations match the models."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tests.conftest import both_databases
from tricircle.core.db import make_engine, migration
from tricircle.core.db.models import Base

TABLES = {"pods", "pod_bindings", "routings", "jobs", "list_cursors", "networks", "subnets",
          "ports", "ip_allocations", "routers", "bridges", "bridge_ports", "security_groups",
          "security_group_rules", "port_security_groups", "router_ports", "alembic_version"}


def manage(tmp_path: Path, url: str, *args: str) -> str:
    conf = tmp_path / "tricircle.conf"
    conf.write_text(f"[database]\nconnection = {url}\n")
    bin_dir = Path(sys.executable).parent
    return subprocess.run([str(bin_dir / "tricircle-manage"), "--config-file", str(conf),
                           *args], check=True, capture_output=True, text=True).stdout


@both_databases
def test_db_sync_builds_the_schema_the_models_describe(empty_db: str, tmp_path: Path) -> None:
    assert manage(tmp_path, empty_db, "db", "version").strip() == "empty"
    manage(tmp_path, empty_db, "db", "sync")
    manage(tmp_path, empty_db, "db", "sync")  # idempotent
    head = ScriptDirectory.from_config(migration.alembic_config(empty_db)).get_current_head()
    assert manage(tmp_path, empty_db, "db", "version").strip() == head
    engine = make_engine(empty_db)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()
