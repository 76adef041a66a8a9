"""The database: one engine per URL, short transactions through `transaction()`."""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Row, String, Text, create_engine, event, exc, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tricircle.core.conf import CONF

_lock = threading.Lock()
_makers: dict[str, sessionmaker[Session]] = {}
_readers: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside the one writer; busy_timeout queues writers
    # instead of failing them; foreign keys are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, **options: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, **{"pool_size": 10, "max_overflow": 20, **options})
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


def reader(url: str | None = None) -> Engine:
    """The engine of `read`: on PostgreSQL its own small pool of autocommit connections,
    so that a read is one round trip (a transaction's connection sends BEGIN before the
    SELECT and ROLLBACK when it returns to the pool: three). SQLite begins no
    transaction for a SELECT: the one engine serves."""
    url = url or CONF.database.connection
    engine = _readers.get(url)
    if engine is None:
        if make_url(url).get_backend_name() == "sqlite":
            engine = session_maker(url).kw["bind"]
        else:
            engine = make_engine(url, isolation_level="AUTOCOMMIT", pool_size=4,
                                 max_overflow=16)
        with _lock:
            engine = _readers.setdefault(url, engine)
    return engine


def after_fork() -> None:
    """In a forked worker: new connections, never the parent's sockets (SQLAlchemy's
    advice for pools across fork)."""
    with _lock:
        for engine in {*(m.kw["bind"] for m in _makers.values()), *_readers.values()}:
            engine.dispose(close=False)


@contextlib.contextmanager
def transaction(url: str | None = None) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    with session_maker(url).begin() as session:
        yield session


def read(statement: Any, params: dict | None = None,
         url: str | None = None) -> list[Row] | list[tuple]:
    """The rows of one read, outside the ORM, for the hot path of every proxied call
    (the routing table's lookups). A statement of string columns only runs as its
    driver's SQL on a pooled DBAPI cursor (rows as plain tuples): SQLAlchemy's
    per-execution work (compiled-cache lookup, IN-list expansion, its Result) was three
    quarters of such a read's CPU. Any other statement runs through a Core connection."""
    params = params or {}
    engine = reader(url)
    driver = _driver_sql(engine, statement, params)
    if driver is None:
        with engine.connect() as conn:
            return list(conn.execute(statement, params).all())
    sql, names = driver
    values = [constant if name is None else params[name] if index is None else
              params[name][index] for _, name, index, constant in names]
    args: Any = values if engine.dialect.positional else {
        entry[0]: value for entry, value in zip(names, values, strict=True)}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql, args)
        rows = cursor.fetchall()
        cursor.close()
    finally:
        raw.close()  # back to the pool
    return rows


# (statement, dialect, lengths of its list parameters) -> the driver's SQL and where each
# of its parameters comes from: (its key in that SQL, our parameter's name (None: a
# value written in the statement), None or the index in that list, that value); None for
# a statement that is not all strings. Statements are module constants: few entries.
_Driver = tuple[str, list[tuple[str, str | None, int | None, Any]]]
_driver: dict[tuple, _Driver | None] = {}
DRIVER_SQL_MAX = 1024


def _driver_sql(engine: Engine, statement: Any, params: dict) -> _Driver | None:
    lists = tuple(len(v) for v in params.values() if isinstance(v, list | tuple))
    key = (statement, engine.dialect.name, lists)
    try:
        return _driver[key]
    except KeyError:
        pass
    found = None
    columns = getattr(statement, "selected_columns", None)  # text() has none
    if columns is not None and all(type(c.type) in (String, Text) for c in columns):
        # Compiled with a distinct stand-in for each value (each item of a list): where
        # each stand-in lands says where each value goes.
        marks = {name: ([f"\x00{name}\x00{i}" for i in range(len(v))]
                        if isinstance(v, list | tuple) else f"\x00{name}\x00")
                 for name, v in params.items()}
        state = statement.compile(dialect=engine.dialect).construct_expanded_state(marks)
        keys = state.positiontup if engine.dialect.positional else list(state.parameters)
        names: list[tuple[str, str | None, int | None, Any]] = []
        for sql_key in keys:
            value = state.parameters[sql_key]
            if isinstance(value, str) and value.startswith("\x00"):
                _, name, index = value.split("\x00")
                names.append((sql_key, name, int(index) if index else None, None))
            else:
                names.append((sql_key, None, None, value))
        found = (state.statement, names)
    if len(_driver) >= DRIVER_SQL_MAX:
        _driver.clear()
    _driver[key] = found
    return found


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
