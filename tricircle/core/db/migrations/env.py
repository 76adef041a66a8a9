"""Alembic environment: the URL comes from Tricircle's configuration (or -x url=...)."""
from __future__ import annotations

from alembic import context

from tricircle.core.db import make_engine
from tricircle.core.db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
