"""Install what the testbed needs: Debian packages and one venv of OpenStack services.

Runs with the system Python (stdlib only), before the venv exists.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import layout, procs

APT_PACKAGES = {
    # command that shows the package is there -> Debian package
    "/usr/sbin/mariadbd": "mariadb-server",
    "/usr/lib/rabbitmq/bin/rabbitmq-server": "rabbitmq-server",
    "/usr/sbin/ip": "iproute2",
    # One token cache for every keystonemiddleware and Keystone's own cache.
    "/usr/bin/memcached": "memcached",
    # Tricircle's production database, tested beside the SQLite default.
    "/usr/lib/postgresql/15/bin/postgres": "postgresql",
    # The status page's test in a real browser (selenium drives it).
    "/usr/bin/chromium": "chromium",
    "/usr/bin/chromedriver": "chromium-driver",
}
HERE = Path(__file__).resolve().parent.parent  # testbed/


def sh(argv: list[str], **kw) -> None:
    print("+", " ".join(argv), flush=True)
    subprocess.run(argv, check=True, **kw)


def ensure_apt() -> None:
    missing = sorted({pkg for path, pkg in APT_PACKAGES.items() if not Path(path).exists()})
    if not missing:
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Debian's maintainer scripts would start the services; we start them ourselves.
    policy = Path("/usr/sbin/policy-rc.d")
    added_policy = False
    if not policy.exists():
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        added_policy = True
    try:
        sh(["apt-get", "update", "-qq"], env=env)
        sh(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)
    finally:
        if added_policy:
            policy.unlink()


def _stamp(*files: Path) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def ensure_venv(venv: Path, requirements: list[str], constraints: Path,
                stamp_files: list[Path]) -> None:
    """Create `venv` with `requirements`, unless its stamp says it is current."""
    stamp = venv / ".tricircle-stamp"
    want = _stamp(constraints, *stamp_files)
    if stamp.exists() and stamp.read_text() == want and (venv / "bin" / "python").exists():
        return
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    sh([sys.executable, "-m", "venv", str(venv)])
    layout.LOGS.mkdir(parents=True, exist_ok=True)
    name = f"pip-{venv.name.lstrip('.')}"
    try:
        with open(procs.log_path(name), "ab") as log:
            sh([str(venv / "bin" / "pip"), "install", "--disable-pip-version-check",
                "-c", str(constraints), *requirements], stdout=log, stderr=log)
    except subprocess.CalledProcessError as err:
        raise procs.ServiceFailed(f"pip install into {venv} failed ({err.returncode}).\n"
                                  f"--- tail of {procs.log_path(name)} ---\n"
                                  f"{procs.tail(name)}") from None
    stamp.write_text(want)


def ensure_testbed_venv() -> None:
    reqs = HERE / "requirements.txt"
    lines = [ln.split("#")[0].strip() for ln in reqs.read_text().splitlines()]
    ensure_venv(layout.VENV, [ln for ln in lines if ln], HERE / "constraints.txt", [reqs])


def ensure_tricircle_venv() -> None:
    """The project's own venv (.venv in the checkout): Tricircle, editable, with test tools."""
    ensure_venv(layout.TRICIRCLE_VENV, ["-e", f"{layout.REPO}[test]"],
                HERE / "constraints.txt", [layout.REPO / "pyproject.toml"])


def ensure_all() -> None:
    if os.geteuid() == 0:
        ensure_apt()
    ensure_testbed_venv()
    ensure_tricircle_venv()
