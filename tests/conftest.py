"""Shared pytest wiring: everything under tests/testbed/ is marked `testbed`; database
fixtures (SQLite and PostgreSQL) for anything that keeps state."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dbs import PostgresCluster
from tricircle.core.conf import CONF
from tricircle.core.db import migration

TESTBED_TESTS = Path(__file__).parent / "testbed"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if TESTBED_TESTS in Path(item.fspath).parents:
            item.add_marker(pytest.mark.testbed)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: SQLite, or PostgreSQL when parametrized with "postgresql"."""
    kind = getattr(request, "param", "sqlite")
    if kind == "postgresql":
        url = request.getfixturevalue("postgres").new_database()
    else:
        url = f"sqlite:///{tmp_path / 'tricircle.sqlite'}"
    CONF.set_override("connection", url, "database")
    yield url
    CONF.clear_override("connection", "database")


@pytest.fixture
def database(empty_db: str) -> str:
    """A migrated database, made the configured one for the test."""
    migration.sync(empty_db)
    return empty_db


both_databases = pytest.mark.parametrize("empty_db", ["sqlite", "postgresql"], indirect=True)
