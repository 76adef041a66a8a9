"""What Tricircle writes to its logs after everything else ran: no token, ever."""
from __future__ import annotations

import re

import pytest
from tb import layout

# Runs in the second, serial part of bin/test: after every other test left its traces.
pytestmark = pytest.mark.disruptive

FERNET = re.compile(r"gAAAAA[A-Za-z0-9_\-]{20,}")


def test_no_token_in_tricircle_logs(testbed) -> None:
    for name in ("tricircle-api", "tricircle-xjob", "tricircle-xjob-2"):
        text = (layout.LOGS / f"{name}.log").read_text(errors="replace")
        assert text, name
        assert not FERNET.search(text), f"a token in {name}.log"
        assert not re.search(r"X-Auth-Token[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9]", text), name
