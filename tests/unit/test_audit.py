"""Which bottom objects the leak audit takes for orphans (pure logic)."""
from __future__ import annotations

import datetime as dt
import uuid

from tricircle.core import bottom
from tricircle.network.sync import audit

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def item(name: str, minutes_ago: float, tags: tuple[str, ...] = (bottom.MARKER,)) -> dict:
    created = (NOW - dt.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": str(uuid.uuid4()), "name": name, "created_at": created, "tags": list(tags)}


def test_only_old_objects_named_with_an_unknown_top_id_are_orphans() -> None:
    known, lost, young, users = (str(uuid.uuid4()) for _ in range(4))
    items = [item(known, 60), item(lost, 60), item(young, 1), item("web", 60),
             item(lost.upper(), 60), item("", 60), item(users, 60, tags=()),
             item(users, 60, tags=("other",))]
    found = audit.orphans(items, {known}, min_age=600, now=NOW)
    assert [i["name"] for i in found] == [lost]
