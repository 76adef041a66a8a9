"""Pod health: a state changes only after enough results in a row agree."""
from __future__ import annotations

import datetime as dt

from tricircle.core import health
from tricircle.core.db.models import PodHealth

NOW = dt.datetime(2026, 11, 29, 21, 0, 0)


def row(state: str = health.UNKNOWN) -> PodHealth:
    return PodHealth(pod_id="p", service_type="compute", state=state, streak=0)


def test_the_first_result_is_taken_at_once() -> None:
    r = row()
    assert health.next_state(r, health.Result(health.DOWN, "refused"), 3, NOW)
    assert (r.state, r.last_change, r.last_error) == ("down", NOW, "refused")


def test_a_state_changes_after_threshold_results_in_a_row_only() -> None:
    r = row(health.UP)
    flaps = [health.DOWN, health.UP, health.DOWN, health.DOWN, health.UP, health.DOWN]
    assert not any(health.next_state(r, health.Result(s), 3, NOW) for s in flaps)
    assert r.state == health.UP and r.last_checked == NOW
    assert not health.next_state(r, health.Result(health.DOWN), 3, NOW)  # 2 in a row
    assert health.next_state(r, health.Result(health.DOWN), 3, NOW)  # 3: down
    assert (r.state, r.candidate, r.streak) == (health.DOWN, None, 0)
    # A different unhealthy result restarts the count.
    assert not health.next_state(r, health.Result(health.DEGRADED), 2, NOW)
    assert not health.next_state(r, health.Result(health.UP), 2, NOW)
    assert health.next_state(r, health.Result(health.UP), 2, NOW)
    assert r.state == health.UP
