"""The testbed's process handling: a service that fails is named with its log, never a hang."""
from __future__ import annotations

import os
import sys
import time

import pytest
from tb import layout, procs


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(layout, "RUN", tmp_path / "run")
    monkeypatch.setattr(layout, "LOGS", tmp_path / "logs")


def test_service_that_dies_is_named_with_its_log_tail():
    procs.start("broken", [sys.executable, "-c",
                           "print('config error: no such option [foo] bar'); raise SystemExit(3)"])
    t0 = time.monotonic()
    with pytest.raises(procs.ServiceFailed) as err:
        procs.wait_until("broken", lambda: False, timeout=30)
    assert time.monotonic() - t0 < 10, "a dead service is reported at once, not at the timeout"
    assert "broken exited" in str(err.value)
    assert "config error: no such option [foo] bar" in str(err.value)


def test_service_that_never_gets_ready_times_out_with_its_log():
    procs.start("slow", [sys.executable, "-c",
                         "import time; print('still starting', flush=True); time.sleep(60)"])
    try:
        with pytest.raises(procs.ServiceFailed) as err:
            procs.wait_until("slow", lambda: False, timeout=1.5, what="answering")
        assert "slow was not answering after 2 s" in str(err.value)
        assert "still starting" in str(err.value)
    finally:
        procs.stop("slow", grace=2)
    assert not procs.alive("slow")


def test_start_reuses_a_running_service_and_stop_kills_its_group():
    argv = [sys.executable, "-c", "import subprocess,sys,time; "
            "subprocess.Popen([sys.executable,'-c','import time; time.sleep(60)']); time.sleep(60)"]
    pid = procs.start("svc", argv)
    assert procs.start("svc", argv) == pid
    assert procs.names() == ["svc"]
    procs.stop("svc", grace=5)
    assert not procs.alive("svc")
    assert not procs.pid_path("svc").exists()


def test_failed_setup_command_raises_with_output():
    with pytest.raises(procs.ServiceFailed) as err:
        procs.run([sys.executable, "-c", "import sys; sys.exit('db sync: table exists')"], "setup")
    assert "db sync: table exists" in str(err.value)


def test_a_pid_file_from_before_a_restart_does_not_name_another_process():
    # After the machine restarted, a PID file may name a PID the kernel gave to another
    # process since (here: this test's own); the service must be started, not taken as up.
    layout.RUN.mkdir(parents=True)
    procs.pid_path("svc").write_text(f"{os.getpid()} 1")
    assert not procs.alive("svc")
    pid = procs.start("svc", [sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert pid != os.getpid()
        assert procs.alive("svc")
        assert procs.start("svc", [sys.executable, "-c", "pass"]) == pid
    finally:
        procs.stop("svc", grace=5)
    assert procs.pid_alive(os.getpid()), "stop signalled only what it started"
