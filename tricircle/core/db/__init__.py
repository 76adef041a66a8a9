"""The database: one engine per URL, short transactions through `transaction()`."""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Row, create_engine, event, exc, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tricircle.core.conf import CONF

_lock = threading.Lock()
_makers: dict[str, sessionmaker[Session]] = {}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside the one writer; busy_timeout queues writers
    # instead of failing them; foreign keys are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "connect", _idle_since)  # a new connection needs no ping
    event.listen(engine, "checkin", _idle_since)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


# A pooled connection idle longer than this is pinged before use (the server may have
# restarted or dropped it); one used a moment ago is not: pool_pre_ping's round trip on
# every checkout was a sixth of a proxied show's time on PostgreSQL.
PING_AFTER_IDLE = 5.0


def _idle_since(_dbapi_conn: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    if time.monotonic() - record.info.get("checked_in", 0.0) < PING_AFTER_IDLE:
        return
    record.info["pings"] = record.info.get("pings", 0) + 1
    try:
        cur = dbapi_conn.cursor()
        cur.execute("SELECT 1")
        cur.close()
    except Exception as err:  # any failure: the pool opens a new connection
        raise exc.DisconnectionError(str(err)) from err


def session_maker(url: str | None = None) -> sessionmaker[Session]:
    url = url or CONF.database.connection
    with _lock:
        if url not in _makers:
            _makers[url] = sessionmaker(make_engine(url), expire_on_commit=False)
        return _makers[url]


def after_fork() -> None:
    """In a forked worker: new connections, never the parent's sockets (SQLAlchemy's
    advice for pools across fork)."""
    with _lock:
        for maker in _makers.values():
            maker.kw["bind"].dispose(close=False)


@contextlib.contextmanager
def transaction(url: str | None = None) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    with session_maker(url).begin() as session:
        yield session


def read(statement: Any, params: dict | None = None, url: str | None = None) -> list[Row]:
    """The rows of one read of plain columns, outside the ORM: a Core connection costs a
    fraction of a Session (no identity map, no objects built). For the hot path of every
    proxied call (the routing table's lookups)."""
    with session_maker(url).kw["bind"].connect() as conn:
        return list(conn.execute(statement, params).all())


def lock(session: Session, table: Any, row_id: str) -> None:
    """Hold `row_id` of `table` until the transaction ends, so that a check made after
    this (no overlapping subnet, no same rule, port free) still holds at commit: another
    transaction locking the same row waits. A no-op UPDATE: PostgreSQL locks the row (as
    SELECT ... FOR UPDATE would), SQLite takes its write lock (the one writer)."""
    session.execute(update(table).where(table.id == row_id).values(id=table.id))


def insert_ignore(session: Session, table: Any, values: dict) -> bool:
    """INSERT unless a unique key already holds such a row; True if inserted. Unlike
    catching IntegrityError, this leaves the surrounding transaction usable."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # noqa: PLC0415
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # noqa: PLC0415
    else:
        raise NotImplementedError(f"insert_ignore on {dialect}")
    result = session.execute(insert(table).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1
