"""`tricircle-manage db sync`: alembic, configured in code (no alembic.ini to ship)."""
from __future__ import annotations

from collections.abc import Callable
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


def sync(url: str | None = None, revision: str = "head",
         progress: Callable[[str], None] | None = None) -> None:
    """Upgrade to `revision`; `progress` is told each migration as it is applied."""
    cfg = alembic_config(url)
    if progress is not None:
        cfg.attributes["on_version_apply"] = lambda *, step, **_: progress(
            f"{step.up_revision_id}: {(step.up_revision.doc or '').strip().splitlines()[0]}")
    command.upgrade(cfg, revision)


def current(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    from tricircle.core.db import make_engine  # noqa: PLC0415

    engine = make_engine(url or CONF.database.connection)
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return rev


def pending(current_rev: str | None, target: str = "head") -> list[str]:
    """The revisions an upgrade from `current_rev` to `target` would apply, in order."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revs = list(script.iterate_revisions(target, current_rev))
    return [r.revision for r in reversed(revs)]
