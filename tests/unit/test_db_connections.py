"""PostgreSQL connections: a pooled one the server dropped is replaced before use once it
has been idle (no ping per checkout: db.PING_AFTER_IDLE)."""
from __future__ import annotations

from datetime import datetime

import psycopg2
import pytest
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.engine import make_url

from tests.conftest import both_databases
from tricircle.core import db, routing
from tricircle.core.db.models import Pod, Routing


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


@pytest.mark.parametrize("empty_db", ["postgresql"], indirect=True)
def test_a_read_is_one_round_trip(empty_db: str) -> None:
    """db.read's connections are autocommit: no BEGIN before the SELECT, no ROLLBACK
    after it (a proxied show's routing reads were three round trips each)."""
    with db.reader(empty_db).connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is True
    for _ in range(2):  # a new connection, then the pooled one
        # The first statement of a transaction starts it: after a BEGIN they differ.
        assert db.read(text("SELECT now() = statement_timestamp()"), url=empty_db)[0][0]
    with db.transaction(empty_db) as session:  # the writers' engine still begins
        assert not session.execute(text("SELECT now() = statement_timestamp()")).scalar()


@both_databases
def test_a_read_of_strings_runs_as_the_drivers_sql(database: str) -> None:
    """db.read of string columns skips SQLAlchemy's execution (its SQL compiled once per
    statement and list length) and answers what SQLAlchemy would: the right value in
    each parameter, a list's items each in its place."""
    rows = [{"top_id": f"t{i}", "bottom_id": f"b{i}", "pod_id": "pod-a" if i % 2 else "pod-b",
             "project_id": "p", "resource_type": "port", "created_at": datetime.now(),
             "updated_at": datetime.now()} for i in range(6)]
    with db.transaction(database) as session:
        session.add_all([Pod(pod_id=pod, pod_name=pod) for pod in ("pod-a", "pod-b")])
        session.flush()
        session.execute(insert(Routing), rows)
    for pod, ids in (("pod-a", ["b1", "b2", "b3", "nope"]), ("pod-b", ["b0"]),
                     ("pod-a", ["b5", "b3"])):
        params = {"pod_id": pod, "ids": ids}
        with db.reader(database).connect() as conn:
            expected = sorted(tuple(r) for r in conn.execute(routing._TOP_IDS, params))
        assert sorted(db.read(routing._TOP_IDS, params, database)) == expected
        assert expected  # the read found something to compare
    assert sorted(db.read(routing._TOP_IDS, {"pod_id": "pod-a", "ids": ["b1", "b3"]},
                          database)) == [("b1", "t1", "port"), ("b3", "t3", "port")]
    # A value written in the statement stays in its place.
    ports_of = select(Routing.top_id).where(Routing.resource_type == "port",
                                            Routing.bottom_id.in_(bindparam("ids", expanding=True)))
    assert sorted(db.read(ports_of, {"ids": ["b2", "b4"]}, database)) == [("t2",), ("t4",)]
    located = db.read(routing._LOCATE, {"top_id": "t1", "resource_type": "port"}, database)
    assert isinstance(located[0].created_at, datetime)  # not all strings: SQLAlchemy's rows
