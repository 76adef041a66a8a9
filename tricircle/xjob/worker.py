"""Job workers (tricircle-xjob): any number of threads, processes and hosts.

Each worker thread claims one due job at a time with a lease, renews the lease while the
handler runs, and records success or schedules a retry with exponential backoff. A sweeper
re-queues jobs whose lease expired: their worker died (SIGKILL, host lost).
"""
from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from oslo_config import cfg

from tricircle.core import clients, db, errors, health, jobs, metrics, pods
from tricircle.core.conf import CONF
from tricircle.core.context import RequestContext, admin_context
from tricircle.xjob import exposed, handlers

LOG = logging.getLogger(__name__)
# A job stops calling pods once this share of its lease has passed since the last renewal
# sent: before the lease expires and the sweeper may hand the job to another worker.
FENCE = 0.8


def _logged(call: Callable[[], None]) -> None:
    try:
        call()
    except Exception:
        LOG.exception("A deferred call failed")


def load_handlers(conf: cfg.ConfigOpts = CONF) -> None:
    for module in conf.xjob.handler_modules:
        importlib.import_module(module)


def backoff(attempts: int, conf: cfg.ConfigOpts = CONF) -> float:
    return min(conf.xjob.backoff_base * 2 ** max(attempts - 1, 0), conf.xjob.backoff_max)


class Waker:
    """Wake-ups from processes that queued jobs (core/jobs.wake): idle workers try to claim
    at once instead of at their next poll. SO_REUSEPORT: several tricircle-xjob processes
    on one host share the port (the kernel hands each datagram to one of them)."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def listen(self, conf: cfg.ConfigOpts, stop: threading.Event) -> bool:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((conf.xjob.wake_listen, conf.xjob.wake_port))
        except OSError as err:
            LOG.warning("No wake-ups on port %s (%s): polling only", conf.xjob.wake_port, err)
            sock.close()
            return False
        sock.settimeout(1.0)

        def receive() -> None:
            while not stop.is_set():
                try:
                    sock.recv(64)
                except TimeoutError:
                    continue
                self.event.set()
            self.event.set()  # let waiting workers see the stop
        threading.Thread(target=receive, name="xjob-wake", daemon=True).start()
        return True

    def wait(self, timeout: float) -> None:
        self.event.wait(timeout)
        self.event.clear()


class Worker:
    """`periodic`: take only periodic jobs (True), only user work (False), or any."""

    def __init__(self, conf: cfg.ConfigOpts = CONF, name: str | None = None,
                 periodic: bool | None = None, waker: Waker | None = None) -> None:
        self.conf = conf
        self.periodic = periodic
        self.waker = waker
        self.owner = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()

    def run_once(self) -> bool:
        """Claim and run one job; False if none was due."""
        lease = self.conf.xjob.lease_seconds
        job = jobs.claim(self.owner, lease, periodic=self.periodic)
        if job is None:
            return False
        LOG.info("Running job %s %s %s (attempt %d)", job.id, job.type, job.resource,
                 job.attempts)
        done = threading.Event()
        ctx = admin_context()
        ctx.deadline = time.monotonic() + lease * FENCE
        ctx.deferred = []
        ctx.job_owner = self.owner
        renewer = threading.Thread(target=self._renew, args=(job.id, lease, done, ctx),
                                   daemon=True)
        renewer.start()
        started, outcome = time.monotonic(), "success"
        try:
            handlers.HANDLERS[job.type](ctx, job.resource)
        except errors.LeaseLost as err:
            outcome = "lease_lost"
            LOG.warning("Job %s %s stopped: %s", job.id, job.type, err)
        except Exception as err:  # noqa: BLE001 - every failure is retried or recorded
            delay = backoff(job.attempts, self.conf)
            status = jobs.fail(job.id, self.owner, f"{type(err).__name__}: {err}",
                               self.conf.xjob.max_attempts, delay)
            outcome = "fail" if status == jobs.FAIL else "retry"
            LOG.warning("Job %s %s failed (%s): %s; now %s", job.id, job.type,
                        type(err).__name__, err, status)
        else:
            jobs.finish(job.id, self.owner)
            LOG.info("Job %s %s done", job.id, job.type)
        finally:
            metrics.JOBS_DONE.labels(job.type, outcome).inc()
            metrics.JOB_SECONDS.labels(job.type).observe(time.monotonic() - started)
            # After the job (done or failed: what it made stays made), off its critical
            # path; a fenced job calls no pod (the calls see its deadline).
            for call in ctx.deferred:
                clients.get().pool.submit(_logged, call)
            done.set()
            renewer.join()
        return True

    def _renew(self, job_id: str, lease: float, done: threading.Event,
               ctx: RequestContext) -> None:
        while not done.wait(lease / 3):
            sent = time.monotonic()
            try:
                ours = jobs.renew(job_id, self.owner, lease)
            except Exception:  # the database unreachable: the deadline runs on
                LOG.exception("Could not renew the lease of job %s", job_id)
                continue
            if not ours:
                LOG.warning("Lost the lease of job %s", job_id)
                ctx.deadline = 0.0  # fenced at once
                return
            ctx.deadline = sent + lease * FENCE

    def loop(self) -> None:
        while not self.stopping.is_set():
            try:
                ran = self.run_once()
            except Exception:
                LOG.exception("Worker %s: error claiming a job", self.owner)
                ran = False
            if not ran and self.waker is not None:
                self.waker.wait(self.conf.xjob.poll_interval)
            elif not ran:
                self.stopping.wait(self.conf.xjob.poll_interval)

    def sweep_loop(self) -> None:
        last = {"audit_pod": time.monotonic(), "reconcile_pod": time.monotonic()}
        while not self.stopping.wait(self.conf.xjob.sweep_interval):
            try:
                if n := jobs.sweep(self.conf.xjob.max_attempts):
                    LOG.warning("Re-queued %d jobs whose lease expired", n)
                if n := jobs.purge(self.conf.xjob.keep_finished):
                    LOG.info("Purged %d finished jobs", n)
                for job_type, interval in (("audit_pod", self.conf.xjob.audit_interval),
                                           ("reconcile_pod",
                                            self.conf.xjob.reconcile_interval)):
                    if interval and time.monotonic() - last[job_type] >= interval:
                        last[job_type] = time.monotonic()
                        queue_per_pod(job_type, self.conf)
            except Exception:
                LOG.exception("Sweep failed")


def health_loop(conf: cfg.ConfigOpts, stop: threading.Event) -> None:
    """Probe the pods every [health] interval (tricircle/core/health.py)."""
    while True:
        try:
            health.check_all()
        except Exception:
            LOG.exception("Health probes failed")
        if stop.wait(conf.health.interval):
            return


def queue_per_pod(job_type: str, conf: cfg.ConfigOpts = CONF) -> None:
    """A periodic job per bottom pod (one waits at most: queued jobs are unique)."""
    extra = {"min_age": conf.xjob.audit_min_age} if job_type == "audit_pod" else {}
    with db.transaction() as s:
        for pod in pods.bottom_pods(s):
            jobs.enqueue(s, job_type, {"pod_id": pod.pod_id, **extra})


def check_lease_margin(conf: cfg.ConfigOpts = CONF) -> None:
    """Refuse a lease whose margin past the fence is shorter than a pod call can run past
    it: a call's answer is awaited no longer than the deadline (clients.read_timeout),
    but one started just before it may first wait [client] connect_timeout to connect;
    the sweeper must not hand the job on meanwhile."""
    margin = conf.xjob.lease_seconds * (1 - FENCE)
    if margin <= conf.client.connect_timeout:
        raise cfg.Error(
            f"[xjob] lease_seconds {conf.xjob.lease_seconds:g} leaves {margin:g} s past "
            f"the fence ({FENCE:.0%} of the lease), not more than [client] "
            f"connect_timeout {conf.client.connect_timeout:g} s: a job's pod call could "
            "outlive its lease. Raise lease_seconds.")


def serve(conf: cfg.ConfigOpts = CONF) -> threading.Event:
    """Start the worker threads and the sweeper; set the returned event to stop them."""
    check_lease_margin(conf)
    load_handlers(conf)
    stop = threading.Event()
    waker = Waker()
    if not (conf.xjob.wake_port and waker.listen(conf, stop)):
        waker = None
    # User work on `workers` threads; periodic work (audits) on one thread of its own.
    workers = [Worker(conf, periodic=False, waker=waker) for _ in range(conf.xjob.workers)]
    workers.append(Worker(conf, periodic=True, waker=waker))
    threads = [threading.Thread(target=w.loop, name=f"xjob-{w.owner}", daemon=True)
               for w in workers]
    for w in workers:
        w.stopping = stop
    threads.append(threading.Thread(target=workers[0].sweep_loop, name="xjob-sweep",
                                    daemon=True))
    if conf.health.interval:
        threads.append(threading.Thread(target=health_loop, args=(conf, stop),
                                        name="xjob-health", daemon=True))
    for t in threads:
        t.start()
    exposed.THREADS[:] = threads  # /healthcheck: all must live
    exposed.serve_http(stop)
    LOG.info("tricircle-xjob: %d workers and one for periodic work", len(workers) - 1)
    return stop
