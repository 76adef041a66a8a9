"""tricircle-xjob's HTTP port (`[metrics] xjob_port`): /metrics and /healthcheck.

/metrics: the job runs of every xjob process of this host (core/metrics.py), plus what
the database says at scrape time: the queue by type and status with its oldest job's age,
and each pod service's health. /healthcheck: oslo.middleware's, with the database check
and this process's worker threads alive. SO_REUSEPORT: the xjob processes of a host share
the port, and whichever answers, the numbers are the host's.
"""
from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref import simple_server

from oslo_middleware.healthcheck import pluginbase
from prometheus_client.core import Metric
from sqlalchemy import func, select

from tricircle.core import db, metrics, selfcheck
from tricircle.core.conf import CONF
from tricircle.core.db.models import Job, Pod, PodHealth, utcnow

LOG = logging.getLogger(__name__)
STATES = ("up", "degraded", "down", "unknown")
# The threads tricircle-xjob started (worker.serve): all must live.
THREADS: list[threading.Thread] = []


class WorkersCheck(pluginbase.HealthcheckBaseExtension):
    """Every worker, sweeper and probe thread of this process runs."""

    def healthcheck(self, server_port: int) -> pluginbase.HealthcheckResult:
        dead = [t.name for t in THREADS if not t.is_alive()]
        if not THREADS or dead:
            return pluginbase.HealthcheckResult(
                available=False, reason="xjob threads stopped",
                details=", ".join(dead) or "no threads started")
        return pluginbase.HealthcheckResult(available=True,
                                            reason=f"{len(THREADS)} xjob threads run")


class DatabaseCollector:
    """The queue and pod health as gauges, read when scraped."""

    def collect(self) -> Iterable[Metric]:
        now = utcnow()
        with db.transaction() as s:
            queue = list(s.execute(select(Job.type, Job.status, func.count(),
                                          func.min(Job.created_at))
                                   .group_by(Job.type, Job.status)))
            health = list(s.execute(select(Pod.pod_name, PodHealth.service_type,
                                           PodHealth.state)
                                    .join(Pod, Pod.pod_id == PodHealth.pod_id)))
        yield metrics.gauge("tricircle_jobs", "Jobs by type and status.",
                            ["type", "status"],
                            [((t, st), n) for t, st, n, _ in queue])
        yield metrics.gauge("tricircle_jobs_oldest_age_seconds", "Age of the oldest job "
                            "of each type and status.", ["type", "status"],
                            [((t, st), (now - oldest).total_seconds())
                             for t, st, _, oldest in queue])
        yield metrics.gauge("tricircle_pod_health", "1 for each pod service's current "
                            "state (health probes), 0 for the others.",
                            ["pod", "service", "state"],
                            [((pod, svc, state), float(state == current))
                             for pod, svc, current in health for state in STATES])


class _Server(ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


class _Quiet(simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        LOG.debug("xjob http: " + format, *args)


def app() -> Callable:
    health = selfcheck.app(["tricircle_database", "tricircle_workers"])
    scrape = metrics.app(lambda: [DatabaseCollector()])

    def route(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return scrape(environ, start_response)
        if path == "/healthcheck":
            return health(environ, start_response)
        return metrics.not_found(start_response)
    return route


def serve_http(stop: threading.Event) -> None:
    """Serve /metrics and /healthcheck until `stop` (none if the port is 0)."""
    if not CONF.metrics.xjob_port:
        return
    try:
        server = simple_server.make_server(CONF.metrics.xjob_listen, CONF.metrics.xjob_port,
                                           app(), server_class=_Server,
                                           handler_class=_Quiet)
    except OSError as err:
        LOG.warning("No /metrics on port %s: %s", CONF.metrics.xjob_port, err)
        return
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 1.0},
                     name="xjob-http", daemon=True).start()
    threading.Thread(target=lambda: (stop.wait(), server.shutdown()), name="xjob-http-stop",
                     daemon=True).start()
