"""Job types are declared in core (the API queues them) and handled in xjob alone."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tricircle.core import errors, jobs
from tricircle.xjob import handlers


def test_every_declared_job_type_has_a_handler_and_no_more() -> None:
    plugins = {"test_record", "test_slow_network"}  # registered by test modules
    assert set(handlers.HANDLERS) - plugins == set(jobs.TYPES) - plugins
    with pytest.raises(errors.BadRequest, match="Unknown job type"):
        jobs.resource_key("no_such_type", {})
    with pytest.raises(errors.BadRequest, match="needs router_id"):
        jobs.resource_key("setup_router", {})
    assert jobs.resource_key("sync_port_groups", {"port_id": "p", "pod_id": "x"}) == "p,x"


def test_the_api_process_loads_no_sync_code() -> None:
    """What tricircle-api imports, measured in a fresh interpreter."""
    code = ("import sys, tricircle.cmd.api, tricircle.api.deploy; "
            "print('\\n'.join(m for m in sys.modules if m.startswith('tricircle')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert "tricircle.api.network.handlers" in loaded
    assert not [m for m in loaded if ".sync" in m or m.startswith("tricircle.xjob")]
