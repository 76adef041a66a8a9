"""The job queue on real SQLite and PostgreSQL: dedup, leases, retries, sweep, redo."""
from __future__ import annotations

import datetime as dt
import socket
import threading
import time

import pytest
from oslo_config import cfg
from sqlalchemy import select, update

from tests.conftest import both_databases
from tricircle.core import clients, db, errors, jobs
from tricircle.core.conf import CONF
from tricircle.core.db.models import Job, utcnow
from tricircle.xjob import handlers
from tricircle.xjob import worker as xjob

pytestmark = both_databases
ran: list[dict] = []


@handlers.register("test_record", "key")
def record(ctx, resource: dict) -> None:
    if resource.get("fail"):
        raise errors.PodUnavailable("Pod1", "down for the test")
    ran.append(resource)


def enqueue(key: str, **extra: object) -> None:
    with db.transaction() as s:
        jobs.enqueue(s, "test_record", {"key": key, **extra}, project_id="p1")


def all_jobs() -> list[Job]:
    with db.transaction() as s:
        return list(s.scalars(select(Job).order_by(Job.created_at)))


def test_same_work_is_queued_once(database: str) -> None:
    enqueue("a")
    enqueue("a")
    enqueue("b")
    assert sorted(j.resource_key for j in all_jobs()) == ["a", "b"]


def test_job_vanishes_with_a_rolled_back_change(database: str) -> None:
    with pytest.raises(RuntimeError), db.transaction() as s:
        jobs.enqueue(s, "test_record", {"key": "a"})
        raise RuntimeError("the change failed")
    assert all_jobs() == []


def test_unknown_type_and_missing_key_are_refused(database: str) -> None:
    with db.transaction() as s:
        with pytest.raises(errors.BadRequest):
            jobs.enqueue(s, "no_such_type", {"key": "a"})
        with pytest.raises(errors.BadRequest):
            jobs.enqueue(s, "test_record", {"other": "a"})


def test_one_claimant_wins(database: str) -> None:
    enqueue("a")
    first = jobs.claim("w1", lease=30)
    assert first is not None and first.status == jobs.RUNNING and first.attempts == 1
    assert jobs.claim("w2", lease=30) is None


def test_same_work_never_runs_twice_at_once(database: str) -> None:
    enqueue("a")
    running = jobs.claim("w1", lease=30)
    enqueue("a")  # a change while it runs: queued again, to run after
    assert [j.status for j in all_jobs()] == [jobs.RUNNING, jobs.NEW]
    assert jobs.claim("w2", lease=30) is None
    jobs.finish(running.id, "w1")
    second = jobs.claim("w2", lease=30)
    assert second is not None and second.id != running.id


def test_failure_backs_off_then_fails(database: str) -> None:
    enqueue("a")
    job = jobs.claim("w1", lease=30)
    assert jobs.fail(job.id, "w1", "boom", max_attempts=2, delay=60) == jobs.NEW
    assert jobs.claim("w1", lease=30) is None  # not due for 60 s
    with db.transaction() as s:
        s.execute(update(Job).values(run_after=Job.created_at))
    job = jobs.claim("w1", lease=30)
    assert job.attempts == 2
    assert jobs.fail(job.id, "w1", "boom again", max_attempts=2, delay=60) == jobs.FAIL
    [failed] = all_jobs()
    assert (failed.status, failed.last_error, failed.running_key) == (jobs.FAIL, "boom again",
                                                                     None)


def test_expired_lease_is_requeued_and_the_old_owner_loses_it(database: str) -> None:
    enqueue("a")
    job = jobs.claim("dead", lease=0.2)
    time.sleep(0.4)
    assert jobs.sweep() == 1
    again = jobs.claim("alive", lease=30)
    assert again.id == job.id and again.attempts == 2
    assert not jobs.renew(job.id, "dead", 30)
    jobs.finish(job.id, "dead")  # a zombie finishing must not touch the new run
    assert all_jobs()[0].status == jobs.RUNNING
    jobs.finish(job.id, "alive")
    assert all_jobs()[0].status == jobs.SUCCESS


def test_expired_job_with_a_queued_twin_leaves_the_twin(database: str) -> None:
    enqueue("a")
    jobs.claim("dead", lease=0.2)
    enqueue("a")
    time.sleep(0.4)
    jobs.sweep()
    [left] = all_jobs()
    assert left.status == jobs.NEW


def test_a_job_that_kills_its_worker_fails_after_max_attempts(database: str) -> None:
    enqueue("a")
    for attempt in (1, 2):
        job = jobs.claim(f"dies-{attempt}", lease=0.1)
        assert job.attempts == attempt
        time.sleep(0.2)
        jobs.sweep(max_attempts=2)
    [failed] = all_jobs()
    assert (failed.status, failed.running_key) == (jobs.FAIL, None)
    assert "expired on each of 2 attempts" in failed.last_error


def test_the_sweeper_leaves_a_lease_renewed_since_it_looked(database: str,
                                                           monkeypatch) -> None:
    """Its list of expired leases is stale by the time it requeues: the UPDATE checks the
    lease again."""
    enqueue("a")
    job = jobs.claim("slow", lease=0.1)
    time.sleep(0.2)
    real = jobs._requeue

    def renewed_meanwhile(*args, **kwargs):
        assert jobs.renew(job.id, "slow", 30)
        return real(*args, **kwargs)
    monkeypatch.setattr(jobs, "_requeue", renewed_meanwhile)
    jobs.sweep()
    [kept] = all_jobs()
    assert (kept.status, kept.lease_owner) == (jobs.RUNNING, "slow")


def test_leases_are_judged_on_the_databases_clock(database: str, monkeypatch) -> None:
    """A sweeper on a host whose clock runs an hour ahead takes no live lease."""
    enqueue("a")
    jobs.claim("w1", lease=30)
    ahead = utcnow() + dt.timedelta(hours=1)
    monkeypatch.setattr(jobs, "utcnow", lambda: ahead)
    assert jobs.sweep() == 0
    [job] = all_jobs()
    assert job.lease_owner == "w1"
    assert abs((job.lease_expires - utcnow()).total_seconds() - 30) < 5  # the database's


def test_sweep_leaves_live_leases(database: str) -> None:
    enqueue("a")
    jobs.claim("w1", lease=30)
    assert jobs.sweep() == 0


def test_redo_and_delete(database: str) -> None:
    enqueue("a")
    job = jobs.claim("w1", lease=30)
    with pytest.raises(errors.Conflict):
        jobs.redo(job.id)
    with pytest.raises(errors.Conflict):
        jobs.delete(job.id)
    jobs.fail(job.id, "w1", "boom", max_attempts=1, delay=0)
    redone = jobs.redo(job.id)
    assert (redone.status, redone.attempts) == (jobs.NEW, 0)
    jobs.delete(job.id)
    with pytest.raises(errors.NotFound):
        jobs.delete(job.id)
    with pytest.raises(errors.NotFound):
        jobs.redo(job.id)


def test_worker_runs_retries_and_records(database: str) -> None:
    CONF.set_override("backoff_base", 0, "xjob")
    try:
        ran.clear()
        enqueue("ok", n=1)
        enqueue("bad", fail=True)
        worker = xjob.Worker(name="w1")
        while worker.run_once():
            pass
        by_key = {j.resource_key: j for j in all_jobs()}
        assert ran == [{"key": "ok", "n": 1}]
        assert by_key["ok"].status == jobs.SUCCESS
        bad = by_key["bad"]
        assert bad.status == jobs.FAIL and bad.attempts == CONF.xjob.max_attempts
        assert "down for the test" in bad.last_error
    finally:
        CONF.clear_override("backoff_base", "xjob")




def test_a_projects_router_jobs_run_one_at_a_time(database: str) -> None:
    """Two routers of one project share its bridge: their jobs take turns; another
    project's router job runs beside them."""
    with db.transaction() as s:
        jobs.enqueue(s, "setup_router", {"router_id": "r1"}, project_id="p1")
        jobs.enqueue(s, "configure_routes", {"router_id": "r2"}, project_id="p1")
        jobs.enqueue(s, "setup_router", {"router_id": "r3"}, project_id="p2")
    first = jobs.claim("w1", lease=30)
    second = jobs.claim("w2", lease=30)
    assert {first.project_id, second.project_id} == {"p1", "p2"}
    assert jobs.claim("w3", lease=30) is None  # p1's other job waits for the lock
    held = first if first.project_id == "p1" else second
    jobs.fail(held.id, held.lease_owner, "pod down", max_attempts=5, delay=0)
    third = jobs.claim("w3", lease=30)
    assert third is not None and third.project_id == "p1" and third.id != held.id
    jobs.finish(third.id, "w3")
    assert jobs.claim("w1", lease=30).id == held.id  # the retry, once the lock is free


def test_periodic_work_has_a_worker_of_its_own(database: str) -> None:
    with db.transaction() as s:
        jobs.enqueue(s, "audit_pod", {"pod_id": "p1"})
    enqueue("user-work")
    user = jobs.claim("w1", lease=30, periodic=False)
    assert user.type == "test_record"
    assert jobs.claim("w2", lease=30, periodic=False) is None  # an audit is not theirs
    assert jobs.claim("w3", lease=30, periodic=True).type == "audit_pod"


def test_finished_jobs_are_purged_after_keep_finished(database: str) -> None:
    enqueue("old")
    enqueue("failed")
    enqueue("new")
    for key, ok in (("old", True), ("failed", False)):
        job = next(j for j in all_jobs() if j.resource_key == key)
        with db.transaction() as s:
            s.execute(update(Job).where(Job.id == job.id).values(
                status=jobs.SUCCESS if ok else jobs.FAIL, queued_key=None,
                updated_at=jobs.utcnow() - jobs.dt.timedelta(days=8)))
    assert jobs.purge(7 * 86400) == 1
    assert sorted(j.resource_key for j in all_jobs()) == ["failed", "new"]
    assert jobs.purge(0) == 0


def test_a_committed_job_wakes_the_workers_and_a_rolled_back_one_does_not(
        database: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    CONF.set_override("wake_port", port, "xjob")
    stop = threading.Event()
    try:
        waker = xjob.Waker()
        assert waker.listen(CONF, stop)
        with pytest.raises(RuntimeError), db.transaction() as s:
            jobs.enqueue(s, "test_record", {"key": "undone"})
            raise RuntimeError("the change fails")
        assert not waker.event.wait(0.5)
        enqueue("done")
        assert waker.event.wait(2.0)
    finally:
        stop.set()
        CONF.clear_override("wake_port", "xjob")


fenced: list[str] = []


@handlers.register("test_fenced", "key")
def steal_then_call(ctx, resource: dict) -> None:
    with db.transaction() as s:  # the sweeper gave the job to another worker meanwhile
        s.execute(update(Job).where(Job.type == "test_fenced").values(lease_owner="thief"))
    time.sleep(CONF.xjob.lease_seconds)  # the renewer finds out
    try:
        clients.get().request(ctx, "Pod1", "network", "GET", "/v2.0/networks")
    except errors.LeaseLost:
        fenced.append(resource["key"])
        raise


def test_a_worker_that_lost_its_lease_calls_no_pod(database: str) -> None:
    CONF.set_override("lease_seconds", 1.0, "xjob")
    fenced.clear()
    try:
        with db.transaction() as s:
            jobs.enqueue(s, "test_fenced", {"key": "k"})
        assert xjob.Worker(name="w1").run_once()
        assert fenced == ["k"]
        (job,) = [j for j in all_jobs() if j.type == "test_fenced"]
        assert (job.status, job.lease_owner) == (jobs.RUNNING, "thief")  # untouched
    finally:
        CONF.clear_override("lease_seconds", "xjob")


def test_what_a_user_waits_for_is_claimed_first(database: str) -> None:
    enqueue("earlier")
    with db.transaction() as s:
        jobs.enqueue(s, "configure_routes", {"router_id": "r1"}, project_id="p1")
    assert jobs.claim("w1", lease=30, periodic=False).type == "configure_routes"
    assert jobs.claim("w2", lease=30, periodic=False).resource_key == "earlier"


def test_a_lease_too_short_for_a_pod_call_is_refused_at_startup(database: str) -> None:
    """Past the fence a call already sent may still wait connect_timeout to connect."""
    CONF.set_override("lease_seconds", 20.0, "xjob")
    CONF.set_override("connect_timeout", 5.0, "client")
    try:
        with pytest.raises(cfg.Error, match="Raise lease_seconds"):
            xjob.check_lease_margin()
        CONF.set_override("lease_seconds", 30.0, "xjob")  # 6 s past the fence
        xjob.check_lease_margin()
    finally:
        CONF.clear_override("lease_seconds", "xjob")
        CONF.clear_override("connect_timeout", "client")
