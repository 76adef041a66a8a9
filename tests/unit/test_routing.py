"""The routing table's create protocol where a pod call fails: the claim is given back."""
from __future__ import annotations

import time

import pytest

from tricircle.core import db, errors, routing
from tricircle.core.db.models import Pod


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
