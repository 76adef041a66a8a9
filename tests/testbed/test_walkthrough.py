"""The README's main job replays the seed's walkthrough (two networks in two AZs, a server
on each, one router) and proves the data plane: this runs it as the demo does."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Routers of the demo project and VLANs on the bridge: one at a time (pytest-xdist).
pytestmark = pytest.mark.xdist_group("vlans")

REPO = Path(__file__).resolve().parents[2]


def test_the_walkthrough_passes_and_the_servers_ping_across_pods(testbed) -> None:
    done = subprocess.run([sys.executable, str(REPO / "demo" / "walkthrough.py")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert not [line for line in lines if "FAILED" in line]
    assert any("pings walk-vm2" in line and line.strip().startswith("ok") for line in lines)
    assert any("the ping fails" in line for line in lines)
    assert any("no bottom router left" in line for line in lines)
