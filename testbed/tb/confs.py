"""Write service configuration files and launch WSGI services under gunicorn."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from . import layout, procs

Sections = Mapping[str, Mapping[str, object]]


def write_ini(path: Path, sections: Sections) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for name, options in sections.items():
        out.append(f"[{name}]")
        out.extend(f"{key} = {value}" for key, value in options.items())
        out.append("")
    path.write_text("\n".join(out))
    return path


def service_auth(user: str, region: str) -> dict[str, str]:
    """keystoneauth options for a service user (keystone_authtoken, [neutron] ...)."""
    return {
        "auth_type": "password",
        "auth_url": layout.KEYSTONE_URL,
        "username": user,
        "password": layout.SERVICE_PASSWORD,
        "project_name": "service",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
        "region_name": region,
    }


def authtoken(user: str, region: str) -> dict[str, str]:
    # One memcached for every service's token cache (its key is the token's hash): a
    # token Tricircle validated is not validated again by each pod it calls. Each
    # `openstack` command gets a new token, which cost 1-2 s per service without it.
    return {"www_authenticate_uri": layout.KEYSTONE_URL,
            "service_token_roles_required": "true",
            "memcached_servers": layout.MEMCACHED,
            **service_auth(user, region)}


def bin(name: str) -> str:
    return str(layout.VENV / "bin" / name)


def start_wsgi(name: str, app: str, port: int, workdir: Path, *,
               argv: Sequence[str] = (), env: Mapping[str, str] | None = None,
               workers: int = 1, threads: int = 4) -> None:
    """Run `app` under gunicorn with settings in workdir/gunicorn.conf.py.

    The OpenStack WSGI apps parse sys.argv with oslo.config, which under gunicorn
    is gunicorn's own command line; the conf file resets it before the app loads.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "gunicorn.conf.py"
    conf.write_text(
        "import sys\n"
        f"sys.argv = {[name, *argv]!r}\n"
        f"wsgi_app = {app!r}\n"
        f"bind = '{layout.HOST}:{port}'\n"
        f"workers = {workers}\n"
        "worker_class = 'gthread'\n"
        f"threads = {threads}\n"
        "timeout = 300\n"
        "graceful_timeout = 5\n"
        # gunicorn closes an idle kept-alive connection after 2 s by default: a client
        # reusing it at that moment got "connection reset" (a flaky test). Clients close
        # theirs first this way.
        "keepalive = 75\n"
        # One control socket path is shared by every gunicorn on the machine.
        "control_socket_disable = True\n"
    )
    procs.start(name, [bin("gunicorn")], env=env, cwd=workdir)
