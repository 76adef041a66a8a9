"""PostgreSQL connections: a pooled one the server dropped is replaced before use once it
has been idle (no ping per checkout: db.PING_AFTER_IDLE)."""
from __future__ import annotations

import psycopg2
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tricircle.core import db


@pytest.mark.parametrize("empty_db", ["postgresql"], indirect=True)
def test_a_dropped_idle_connection_is_replaced(empty_db: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(empty_db)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        url = make_url(empty_db)  # from outside the pool, the server drops that one
        admin = psycopg2.connect(host=url.host, port=url.port, user=url.username,
                                 dbname=url.database)
        admin.autocommit = True
        admin.cursor().execute(f"SELECT pg_terminate_backend({pid})")
        admin.close()
        monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)
        for _ in range(3):  # whichever pooled connection comes: a live one
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("empty_db", ["postgresql"], indirect=True)
def test_a_connection_used_a_moment_ago_is_not_pinged(empty_db: str) -> None:
    engine = db.make_engine(empty_db)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 2"))
        with engine.connect() as conn:  # straight away: the same connection, no ping
            conn.execute(text("SELECT 3"))
            assert conn.connection._connection_record.info.get("pings", 0) == 0
    finally:
        engine.dispose()
