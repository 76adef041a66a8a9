"""Alembic environment: the URL comes from Tricircle's configuration (or -x url=...)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import text

from tricircle.core.db import make_engine
from tricircle.core.db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = make_engine(url)
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying it and dropping the old one; with foreign keys
        # on, that DROP deletes the old rows first and cascades to the rows that refer to
        # them (a port's addresses went with an ALTER of ports). Off while migrating,
        # then checked.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # end SQLAlchemy's implicit transaction: alembic opens its own
    # `tricircle-manage db sync` shows each migration as it is applied.
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True,
                      on_version_apply=config.attributes.get("on_version_apply"))
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
        if broken:
            raise RuntimeError(f"rows refer to missing rows after migrating: {broken[:5]}")
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
engine.dispose()
