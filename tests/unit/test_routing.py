"""The routing table's create protocol where a pod call fails: the claim is given back."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import update

from tricircle.core import db, errors, jobs, routing
from tricircle.core.db.models import Pod, Routing


def test_a_failed_create_gives_its_claim_back(database: str) -> None:
    with db.transaction() as s:
        pod = Pod(pod_id="pod-a", pod_name="A", az_name="az1")
        s.add(pod)

    def boom() -> str:
        raise errors.PodUnavailable("A", "connection refused")

    with pytest.raises(errors.PodUnavailable):
        routing.ensure("top-1", pod, "network", "p", find=lambda: None, create=boom,
                       delete=lambda _: None)
    assert routing.bottom_id("top-1", "pod-a", "network") is None
    start = time.monotonic()
    made = routing.ensure("top-1", pod, "network", "p", find=lambda: None,
                          create=lambda: "bottom-1", delete=lambda _: None)
    assert made == "bottom-1" and time.monotonic() - start < 5  # no wait for a stale claim
    assert routing.bottom_id("top-1", "pod-a", "network") == "bottom-1"


def test_a_dead_workers_claim_is_taken_over_at_once(database: str) -> None:
    with db.transaction() as s:
        pod = Pod(pod_id="pod-a", pod_name="A", az_name="az1")
        s.add(pod)
        # w1 runs a job (a live lease); w0 ran one and died (its claim stays, no lease).
        jobs.enqueue(s, "audit_pod", {"pod_id": "pod-a"})
    assert jobs.claim("w1", lease=60)
    for top_id, owner in (("top-dead", "w0"), ("top-live", "w1")):
        routing._claim(top_id, pod, "network", "p", owner)

    start = time.monotonic()
    made = routing.ensure("top-dead", pod, "network", "p", find=lambda: None,
                          create=lambda: "bottom-1", delete=lambda _: None, owner="w2")
    assert made == "bottom-1" and time.monotonic() - start < 5  # not claim_seconds
    # A live worker's claim is waited for (it fills it: the waiter then returns its id).
    def fill() -> None:
        with db.transaction() as s:
            s.execute(update(Routing).where(Routing.top_id == "top-live")
                      .values(bottom_id="bottom-2"))
    waited = threading.Timer(0.6, fill)
    waited.start()
    start = time.monotonic()
    assert routing.ensure("top-live", pod, "network", "p", find=lambda: "wrong",
                          create=lambda: "wrong", delete=lambda _: None,
                          owner="w2") == "bottom-2"
    assert time.monotonic() - start >= 0.5
    waited.join()


def test_a_copy_made_while_its_row_was_deleted_is_removed(database: str) -> None:
    with db.transaction() as s:
        pod = Pod(pod_id="pod-a", pod_name="A", az_name="az1")
        s.add(pod)
    removed: list[str] = []

    def create_while_deleted() -> str:  # delete_bottom forgets the claim meanwhile
        routing.forget("top-1", "pod-a", "network")
        return "bottom-1"

    with pytest.raises(errors.Conflict):
        routing.ensure("top-1", pod, "network", "p", find=lambda: None,
                       create=create_while_deleted, delete=removed.append)
    assert removed == ["bottom-1"]
    assert routing.bottom_id("top-1", "pod-a", "network") is None


def test_where_a_server_lives_is_remembered_and_read_again_for_a_new_owner(
        database: str) -> None:
    with db.transaction() as s:
        s.add(Pod(pod_id="pod-a", pod_name="A", az_name="az1"))
    routing.record("vol-1", "pod-a", "volume", "p1", "vol-1")
    pod, row = routing.locate("vol-1", "volume", project_id="p1")
    assert (pod.pod_name, row.project_id, row.top_id) == ("A", "p1", "vol-1")

    # Another process transfers it: this one reads the row again for the new owner...
    with db.transaction() as s:
        s.execute(update(Routing).where(Routing.top_id == "vol-1").values(project_id="p2"))
    assert routing.locate("vol-1", "volume", project_id="p2")[1].project_id == "p2"
    # ... and another process deletes the row: still found here (the pod answers for
    # it, 404) until this process forgets it, then not found.
    with db.transaction() as s:
        s.execute(Routing.__table__.delete().where(Routing.top_id == "vol-1"))
    assert routing.locate("vol-1", "volume")[0].pod_id == "pod-a"
    routing.forget("vol-1", "pod-a", "volume")
    assert routing.locate("vol-1", "volume") is None
    assert routing.locate("vol-2", "volume") is None
