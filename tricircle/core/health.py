"""Pod health: each pod's compute, volume and network endpoints probed with a cheap
authenticated GET (the service account's), every `[health] interval` seconds, by
tricircle-xjob.

A probe's result is `up` (answered in time), `degraded` (answered, but slower than
`[health] slow_seconds`, or refused: a 4xx says the pod is there but something is wrong)
or `down` (no answer, or a 5xx). A service's state changes only after `[health]
threshold` results in a row agree (no flapping); the first result of a pod never
probed is taken at once. State changes are logged.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time

from sqlalchemy import bindparam, select

from tricircle.core import clients, db, errors, pods
from tricircle.core.conf import CONF
from tricircle.core.db.models import Pod, PodHealth, utcnow

LOG = logging.getLogger(__name__)

# A cheap authenticated call per service, below its endpoint: it reaches the API and its
# database.
PROBES = {"compute": "/flavors?limit=1", "volumev3": "/volumes?limit=1",
          "network": "/v2.0/networks?limit=1&fields=id"}
UNKNOWN, UP, DEGRADED, DOWN = "unknown", "up", "degraded", "down"


@dataclasses.dataclass(frozen=True)
class Result:
    state: str  # up, degraded or down
    error: str | None = None


def next_state(row: PodHealth, result: Result, threshold: int, now: dt.datetime) -> bool:
    """Apply one probe result to `row`: whether its state changed."""
    row.last_checked = now
    if result.error:
        row.last_error = result.error[:255]
    if result.state == row.state:
        row.candidate, row.streak = None, 0
        return False
    if row.state == UNKNOWN:
        row.streak = threshold  # never probed: the first result is taken at once
    elif result.state == row.candidate:
        row.streak += 1
    else:
        row.candidate, row.streak = result.state, 1
    if row.streak < threshold:
        return False
    row.state, row.candidate, row.streak, row.last_change = result.state, None, 0, now
    return True


def probe(pod: Pod, service_type: str) -> Result:
    started = time.monotonic()
    try:
        resp = clients.get().request(None, pod.pod_name, service_type, "GET",
                                     PROBES[service_type], admin=True,
                                     expect=range(400, 500),
                                     timeout=CONF.health.timeout)
    except errors.PodUnavailable as err:
        return Result(DOWN, err.message)
    except errors.TricircleError as err:
        return Result(DOWN, err.message)
    took = time.monotonic() - started
    if resp.status_code >= 400:
        return Result(DEGRADED, f"{resp.status_code} {clients.pod_message(resp)}")
    if took > CONF.health.slow_seconds:
        return Result(DEGRADED, f"answered in {took:.1f} s")
    return Result(UP)


def check_all() -> int:
    """Probe every pod's services at once and record the results: how many changed."""
    bottom = pods.bottom()
    targets = [(pod, service) for pod in bottom for service in PROBES]
    results = clients.get().fanout(targets, lambda t: probe(*t))
    changed = 0
    now = utcnow()
    with db.transaction() as s:
        for (pod, service), answer in results:
            result = Result(DOWN, str(answer)) if isinstance(answer, Exception) else answer
            row = s.get(PodHealth, (pod.pod_id, service))
            if row is None:
                row = PodHealth(pod_id=pod.pod_id, service_type=service, state=UNKNOWN,
                                streak=0)
                s.add(row)
            before = row.state
            if next_state(row, result, CONF.health.threshold, now):
                changed += 1
                log = LOG.warning if row.state != UP else LOG.info
                log("Pod %s %s: %s -> %s%s", pod.pod_name, service, before, row.state,
                    f" ({result.error})" if result.error else "")
    return changed


def of_pods(pod_ids: list[str]) -> dict[str, dict[str, dict]]:
    """pod id -> service -> {state, last_checked, last_change, last_error}."""
    out: dict[str, dict[str, dict]] = {p: {} for p in pod_ids}
    with db.transaction() as s:
        for row in s.scalars(select(PodHealth).where(PodHealth.pod_id.in_(pod_ids))):
            out[row.pod_id][row.service_type] = {
                "state": row.state, "last_error": row.last_error,
                "last_checked": row.last_checked and row.last_checked.isoformat(),
                "last_change": row.last_change and row.last_change.isoformat()}
    return out


# service type -> (when read, pods down): the API reads health on every call on an object
# and every list; the probes change it every [health] interval at most.
_seen: dict[str, tuple[float, set[str]]] = {}
CACHE_SECONDS = 1.0


_DOWN = select(PodHealth.pod_id).where(PodHealth.service_type == bindparam("service_type"),
                                       PodHealth.state == DOWN)


def down_pods(service_type: str) -> set[str]:
    """The pods whose `service_type` the probes found down (read at most every second)."""
    at, down = _seen.get(service_type, (0.0, set()))
    if time.monotonic() - at < CACHE_SECONDS:
        return down
    down = {pod_id for (pod_id,) in db.read(_DOWN, {"service_type": service_type})}
    _seen[service_type] = (time.monotonic(), down)
    return down


def forget() -> None:
    """Read health afresh next time (tests that change it)."""
    _seen.clear()


def is_down(pod_id: str, service_type: str) -> bool:
    return pod_id in down_pods(service_type)
