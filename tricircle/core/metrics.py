"""Prometheus metrics of tricircle-api and tricircle-xjob (prometheus-client).

Several processes of one kind on a host (gunicorn workers, xjob processes) each write their
counts to files in one directory (`[metrics] directory`/<kind>, prometheus-client's
multiprocess mode); a scrape of any of them sums all. What the database knows (job queue,
pod health) is read at scrape time, so it is right whichever process answers.

Every stored metric has labels: prometheus-client makes a labelled metric's value store
when a label set is first used, after `prepare` chose the store, not at import.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from tricircle.core.conf import CONF

LOG = logging.getLogger(__name__)

# Seconds: a pod answers in milliseconds to a minute (a boot, a timeout).
LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
WIDTH = (1, 2, 3, 5, 10, 20, 50, 100)

API_REQUESTS = Counter("tricircle_api_requests", "Requests answered, by API, method, route "
                       "template and status.", ["api", "method", "route", "status"])
API_SECONDS = Histogram("tricircle_api_request_seconds", "Time to answer a request.",
                        ["api", "method", "route"], buckets=LATENCY)
API_FANOUT = Histogram("tricircle_api_request_pods", "Pods one request called (fan-out "
                       "width).", ["api", "method", "route"], buckets=WIDTH)
POD_CALLS = Counter("tricircle_pod_calls", "Calls to pods, by pod, service and status "
                    "(`error`: no answer).", ["pod", "service", "status"])
POD_SECONDS = Histogram("tricircle_pod_call_seconds", "Time a pod took to answer.",
                        ["pod", "service"], buckets=LATENCY)
JOBS_DONE = Counter("tricircle_jobs_finished", "Job runs by type and outcome (success, "
                    "retry: failed and rescheduled, fail: given up).", ["type", "outcome"])
JOB_SECONDS = Histogram("tricircle_job_seconds", "Time one run of a job took.", ["type"],
                        buckets=LATENCY)

# The multiprocess directory of this process, once prepared.
_STATE: dict[str, Path | None] = {"dir": None}
_FILE = re.compile(r"_(\d+)\.db$")


def prepare(kind: str) -> None:
    """Before this process counts anything: multiprocess mode in `[metrics] directory`
    /<kind> (unless empty), with the files of processes no longer running removed."""
    if not CONF.metrics.directory:
        return
    where = Path(CONF.metrics.directory) / kind
    try:
        where.mkdir(parents=True, exist_ok=True)
        remove_dead(where)
    except OSError as err:
        LOG.warning("Metrics of this process only: %s (%s)", where, err)
        return
    _STATE["dir"] = where
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(where)
    values.ValueClass = values.MultiProcessValue()


def remove_dead(where: Path) -> None:
    """Forget the counts of processes that ended (a restart starts from zero, which
    Prometheus takes as a counter reset)."""
    for f in where.glob("*.db"):
        found = _FILE.search(f.name)
        if found and not _alive(int(found.group(1))):
            f.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def render(extra: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The text exposition of this kind's processes (and `extra` collectors)."""
    registry = CollectorRegistry()
    if _STATE["dir"] is None:
        registry.register(_Everything())
    else:
        multiprocess.MultiProcessCollector(registry, path=str(_STATE["dir"]))
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Everything(Collector):
    """This process's own metrics (no multiprocess directory)."""

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()


def scrape_allowed(remote_addr: str | None) -> bool:
    """/metrics answers only to `[metrics] allowed_source_ranges` (no token: a scraper
    has none); anyone else sees no such page."""
    if not remote_addr:
        return False
    try:
        addr = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    nets = (ipaddress.ip_network(r) for r in CONF.metrics.allowed_source_ranges)
    return any(net.version == addr.version and addr in net for net in nets)


def gauge(name: str, documentation: str, labels: list[str],
          rows: Iterable[tuple[tuple[str, ...], float]]) -> GaugeMetricFamily:
    """A gauge computed at scrape time (database collectors)."""
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for label_values, value in rows:
        family.add_metric(list(label_values), value)
    return family


def pod_call(pod: str, service: str, status: int | str, started: float) -> None:
    """One call to a pod, answered with `status` (or "error"), begun at monotonic
    `started`."""
    POD_CALLS.labels(pod, service, str(status)).inc()
    POD_SECONDS.labels(pod, service).observe(time.monotonic() - started)


def app(extra: Callable[[], Iterable[Collector]] = lambda: ()) -> Callable:
    """The WSGI app of /metrics: the text exposition to allowed sources, else 404."""
    def serve(environ: dict, start_response: Callable) -> list[bytes]:
        if not scrape_allowed(environ.get("REMOTE_ADDR")):
            return not_found(start_response)
        body, content_type = render(extra())
        start_response("200 OK", [("Content-Type", content_type),
                                  ("Content-Length", str(len(body)))])
        return [body] if environ.get("REQUEST_METHOD") != "HEAD" else []
    return serve


def not_found(start_response: Callable) -> list[bytes]:
    """The plain 404 of the operators' ports (/metrics refused, an unknown path)."""
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"404 Not Found\n"]
