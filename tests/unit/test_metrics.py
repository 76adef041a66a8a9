"""Metrics under several processes: each counts into the shared directory, a scrape sums
them all, and the counts of ended processes go when a process of that kind starts."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from tricircle.core import metrics

SERIES = b'tricircle_pod_calls_total{pod="Pod1",service="compute",status="200"}'


def _count(directory: str, n: int, ready, go) -> None:
    """A process of its own (a gunicorn worker, an xjob process): n pod calls, then it
    lives on until the scrape is done."""
    from tricircle.core import conf  # noqa: PLC0415 - a spawned process starts bare
    conf.setup([], default_config_files=[])
    conf.CONF.set_override("directory", directory, group="metrics")
    metrics.prepare("api")
    for _ in range(n):
        metrics.pod_call("Pod1", "compute", 200, 0.0)
    ready.release()
    go.wait(60)


def _value(body: bytes) -> float | None:
    line = next((ln for ln in body.splitlines() if ln.startswith(SERIES + b" ")), None)
    return None if line is None else float(line.split()[-1])


def test_a_scrape_sums_every_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spawn = multiprocessing.get_context("spawn")
    ready, go = spawn.Semaphore(0), spawn.Event()
    workers = [spawn.Process(target=_count, args=(str(tmp_path), n, ready, go))
               for n in (2, 3)]
    for w in workers:
        w.start()
    for _ in workers:
        assert ready.acquire(timeout=60)
    assert len(list((tmp_path / "api").glob("counter_*.db"))) == 2  # one per process
    monkeypatch.setitem(metrics._STATE, "dir", tmp_path / "api")
    body, content_type = metrics.render()
    assert content_type.startswith("text/plain")
    assert _value(body) == 5.0
    assert b"tricircle_pod_call_seconds_count" in body
    metrics.remove_dead(tmp_path / "api")  # both live: nothing goes
    assert _value(metrics.render()[0]) == 5.0
    go.set()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    # Both ended: a new process of the kind starts the host's counts afresh.
    metrics.remove_dead(tmp_path / "api")
    assert list((tmp_path / "api").glob("*.db")) == []
    assert _value(metrics.render()[0]) is None


def test_only_allowed_sources_may_scrape(monkeypatch: pytest.MonkeyPatch) -> None:
    from tricircle.core import conf  # noqa: PLC0415
    try:
        conf.CONF.metrics.allowed_source_ranges  # noqa: B018
    except conf.cfg.NotInitializedError:
        conf.setup([], default_config_files=[])
    assert metrics.scrape_allowed("127.0.0.1") and metrics.scrape_allowed("::1")
    assert not metrics.scrape_allowed("10.0.0.7")
    assert not metrics.scrape_allowed(None) and not metrics.scrape_allowed("nonsense")
