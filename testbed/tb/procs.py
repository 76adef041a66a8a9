"""Start, watch and stop the testbed's processes by PID file.

Every service runs in its own session (setsid) so that `down` can signal its whole
process group; stdout and stderr go to logs/<name>.log.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import layout


class ServiceFailed(RuntimeError):
    """A service did not come up; the message names it and carries its log tail."""


def log_path(name: str) -> Path:
    return layout.LOGS / f"{name}.log"


def pid_path(name: str) -> Path:
    return layout.RUN / f"{name}.pid"


def _recorded(name: str) -> tuple[int, str | None] | None:
    """(pid, its start time) as `start` wrote them; older files hold the pid alone."""
    try:
        fields = pid_path(name).read_text().split()
        return int(fields[0]), (fields[1] if len(fields) > 1 else None)
    except (OSError, ValueError, IndexError):
        return None


def read_pid(name: str) -> int | None:
    found = _recorded(name)
    return found[0] if found else None


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def pid_alive(pid: int) -> bool:
    # PID 1 of a container may reap orphans late: a zombie still answers kill(0).
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def alive(name: str) -> bool:
    """The recorded process runs. After a restart of the machine its PID may belong to
    another process (one of the testbed's own, even): the start time must match too."""
    found = _recorded(name)
    if found is None or not pid_alive(found[0]):
        return False
    return found[1] is None or _start_time(found[0]) == found[1]


def tail(name: str, lines: int = 30) -> str:
    try:
        text = log_path(name).read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


def start(name: str, argv: Sequence[str], env: Mapping[str, str] | None = None,
          cwd: Path | None = None) -> int:
    """Start `argv` in the background unless it already runs; return its PID."""
    if alive(name):
        return read_pid(name)  # type: ignore[return-value]
    layout.LOGS.mkdir(parents=True, exist_ok=True)
    layout.RUN.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ)
    full_env.update(env or {})
    with open(log_path(name), "ab") as log:
        log.write(f"\n=== start {time.strftime('%F %T')}: {' '.join(argv)}\n".encode())
        log.flush()
        proc = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=full_env, cwd=cwd,
                                start_new_session=True)
    pid_path(name).write_text(f"{proc.pid} {_start_time(proc.pid)}")
    return proc.pid


def stop(name: str, sig: int = signal.SIGTERM, grace: float = 20.0) -> bool:
    """Signal the process group of `name`, then KILL it after `grace` seconds."""
    pid = read_pid(name)
    if pid is None:
        return False
    if alive(name):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + grace
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    pid_path(name).unlink(missing_ok=True)
    return True


def wait_until(name: str, check: Callable[[], bool], timeout: float = 120.0,
               what: str = "ready") -> None:
    """Poll `check` until true; fail fast (with the log) if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if read_pid(name) is not None and not alive(name):
            raise ServiceFailed(f"{name} exited before it was {what}.\n"
                                f"--- tail of {log_path(name)} ---\n{tail(name)}")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - any error just means "not yet"
            pass
        time.sleep(0.3)
    raise ServiceFailed(f"{name} was not {what} after {timeout:.0f} s.\n"
                        f"--- tail of {log_path(name)} ---\n{tail(name)}")


def http_answers(url: str) -> Callable[[], bool]:
    """True once `url` gives any HTTP answer below 500 (401 counts: it is up)."""
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.status < 500
        except urllib.error.HTTPError as err:
            return err.code < 500
        except OSError:
            return False
    return check


def run(argv: Sequence[str], name: str, env: Mapping[str, str] | None = None,
        cwd: Path | None = None, timeout: float = 600) -> str:
    """Run a setup command to completion, its output appended to logs/<name>.log."""
    layout.LOGS.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(list(argv), env=full_env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    with open(log_path(name), "a") as log:
        log.write(f"\n=== run: {' '.join(argv)}\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        raise ServiceFailed(f"{name}: `{' '.join(argv)}` exited {proc.returncode}.\n"
                            f"--- tail of {log_path(name)} ---\n{tail(name)}")
    return proc.stdout


def names() -> list[str]:
    """Every service with a PID file, in start order (oldest first)."""
    if not layout.RUN.exists():
        return []
    files = sorted(layout.RUN.glob("*.pid"), key=lambda p: p.stat().st_mtime)
    return [p.stem for p in files]
