"""The README's main job replays the seed's walkthrough (two networks in two AZs, a server
on each, one router) and proves the data plane: this runs it as the demo does."""
from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tb import layout

# Routers of the demo project and VLANs on the bridge: one at a time (pytest-xdist).
pytestmark = pytest.mark.xdist_group("vlans")

REPO = Path(__file__).resolve().parents[2]
API = f"http://{layout.HOST}:{layout.TRICIRCLE_PORT}/metrics"
XJOB = f"http://{layout.HOST}:19997/metrics"  # [metrics] xjob_port's default


def scrape(url: str) -> dict[tuple, float]:
    """{(sample name, sorted labels...): value} of one /metrics answer."""
    with urllib.request.urlopen(url, timeout=10) as resp:
        text = resp.read().decode()
    return {(s.name, *sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, *sorted(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_the_walkthrough_passes_and_the_servers_ping_across_pods(testbed) -> None:
    api, xjob = scrape(API), scrape(XJOB)
    done = subprocess.run([sys.executable, str(REPO / "demo" / "walkthrough.py")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert not [line for line in lines if "FAILED" in line]
    assert any("pings walk-vm2" in line and line.strip().startswith("ok") for line in lines)
    assert any("the ping fails" in line for line in lines)
    assert any("no bottom router left" in line for line in lines)

    # What the metrics saw of it (tricircle/core/metrics.py): requests by route template,
    # pod calls per pod, the router's jobs, and both pods' health.
    api_after, xjob_after = scrape(API), scrape(XJOB)
    requests = "tricircle_api_requests_total"
    assert moved(api, api_after, requests, api="network", method="POST",
                 route="/v2.0/routers", status="201") >= 1
    assert moved(api, api_after, requests, api="network", method="PUT",
                 route="/v2.0/routers/{id}/add_router_interface", status="200") >= 2
    assert moved(api, api_after, requests, api="compute", method="POST",
                 route="/v2.1/servers", status="202") >= 2
    assert moved(api, api_after, "tricircle_api_request_seconds_count", api="compute",
                 method="POST", route="/v2.1/servers") >= 2
    for pod in ("Pod1", "Pod2"):
        assert moved(api, api_after, "tricircle_pod_calls_total", pod=pod,
                     service="compute", status="202") >= 1  # its server's boot
        assert moved(xjob, xjob_after, "tricircle_pod_calls_total", pod=pod,
                     service="network", status="200") >= 1  # its bottom router
        assert xjob_after[("tricircle_pod_health", ("pod", pod), ("service", "network"),
                           ("state", "up"))] == 1.0
    assert moved(xjob, xjob_after, "tricircle_jobs_finished_total", type="setup_router",
                 outcome="success") >= 1
    assert moved(xjob, xjob_after, "tricircle_job_seconds_count", type="setup_router") >= 1
