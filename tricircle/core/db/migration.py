"""`tricircle-manage db sync`: alembic, configured in code (no alembic.ini to ship)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from tricircle.core.conf import CONF

HERE = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", (url or CONF.database.connection).replace("%", "%%"))
    return cfg


def sync(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    from tricircle.core.db import make_engine  # noqa: PLC0415

    engine = make_engine(url or CONF.database.connection)
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return rev
