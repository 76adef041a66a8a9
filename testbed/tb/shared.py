"""The services every pod shares: MariaDB, RabbitMQ, Keystone and Glance; and Tricircle's
own production database, PostgreSQL."""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import socket
import subprocess
from pathlib import Path

from . import confs, layout, procs
from .confs import bin

MARIADB_DIR = layout.STATE / "mariadb"
MARIADB_SOCK = MARIADB_DIR / "mysqld.sock"
RABBIT_DIR = layout.STATE / "rabbit"
POSTGRES_DIR = layout.STATE / "postgres"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((layout.HOST, port)) == 0


# --- MariaDB: one server for every service's database ---------------------------

def mariadb() -> None:
    data = MARIADB_DIR / "data"
    if not (data / "mysql").exists():
        data.mkdir(parents=True, exist_ok=True)
        procs.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}",
                   "--user=root", "--auth-root-authentication-method=normal",
                   "--skip-test-db"], "mariadb")
    procs.start("mariadb", [
        "/usr/sbin/mariadbd", "--no-defaults", f"--datadir={data}", "--user=root",
        f"--socket={MARIADB_SOCK}", f"--pid-file={MARIADB_DIR}/mysqld.pid",
        f"--port={layout.MARIADB_PORT}", f"--bind-address={layout.HOST}",
        "--skip-name-resolve", "--max-connections=2000", "--performance-schema=off",
        "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0", "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_general_ci",
    ])
    procs.wait_until("mariadb", lambda: port_open(layout.MARIADB_PORT), 60, "listening")


def sql(statements: str) -> None:
    subprocess.run(["mariadb", "--no-defaults", f"--socket={MARIADB_SOCK}", "-uroot"],
                   input=statements, text=True, check=True, capture_output=True)


def create_databases(names: list[str]) -> None:
    user = f"'{layout.DB_USER}'@'{layout.HOST}'"
    stmts = [f"CREATE USER IF NOT EXISTS {user} IDENTIFIED BY '{layout.DB_PASSWORD}';",
             f"GRANT ALL PRIVILEGES ON *.* TO {user};"]
    stmts += [f"CREATE DATABASE IF NOT EXISTS `{n}` CHARACTER SET utf8mb4;" for n in names]
    sql("\n".join(stmts))


# --- PostgreSQL: Tricircle's database, as in production ---------------------------

def _pg(name: str) -> str:
    return shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1]


def _as_postgres(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _postgres_dir() -> Path:
    """The cluster's directory: in .testbed when the postgres user can reach it, else in
    /var/tmp (a checkout below a directory only root may enter)."""
    if os.geteuid() != 0 or subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(layout.STATE)]
            ).returncode == 0:
        return POSTGRES_DIR
    digest = hashlib.sha256(str(layout.STATE).encode()).hexdigest()[:8]
    return Path(f"/var/tmp/tricircle-testbed-{digest}") / "postgres"


def postgres(databases: list[str]) -> str:
    """Start the cluster (made on first use) and create `databases`; the URL prefix."""
    where = _postgres_dir()
    data = where / "data"
    if not (data / "PG_VERSION").exists():
        where.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(where, "postgres")
        procs.run(_as_postgres([_pg("initdb"), "-D", str(data), "-U", "postgres",
                                "-A", "trust", "--no-sync"]), "postgres")
    procs.start("postgres", _as_postgres([
        _pg("postgres"), "-D", str(data), "-k", str(where), "-h", layout.HOST,
        "-p", str(layout.POSTGRES_PORT), "-c", "max_connections=300",
        "-c", "fsync=off", "-c", "synchronous_commit=off"]))
    procs.wait_until("postgres", lambda: port_open(layout.POSTGRES_PORT), 60, "listening")
    psql = [_pg("psql"), "-h", layout.HOST, "-p", str(layout.POSTGRES_PORT), "-U",
            "postgres", "-d", "postgres", "-tAc"]
    for name in databases:
        exists = subprocess.run([*psql, f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
                                capture_output=True, text=True, check=True).stdout.strip()
        if not exists:
            subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True,
                           capture_output=True)
    return f"postgresql+psycopg2://postgres@{layout.HOST}:{layout.POSTGRES_PORT}"


# --- RabbitMQ: one broker, one vhost per pod ------------------------------------

def rabbit_env() -> dict[str, str]:
    return {
        "HOME": str(RABBIT_DIR),  # the Erlang cookie lives here
        "RABBITMQ_NODENAME": f"tb{layout.RABBIT_PORT}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": layout.HOST,
        "RABBITMQ_NODE_PORT": str(layout.RABBIT_PORT),
        "RABBITMQ_DIST_PORT": str(layout.RABBIT_DIST_PORT),
        "ERL_EPMD_PORT": str(layout.EPMD_PORT),
        "ERL_EPMD_ADDRESS": layout.HOST,
        "RABBITMQ_CTL_DIST_PORT_MIN": str(layout.RABBIT_CTL_PORTS[0]),
        "RABBITMQ_CTL_DIST_PORT_MAX": str(layout.RABBIT_CTL_PORTS[1]),
        "RABBITMQ_MNESIA_BASE": str(RABBIT_DIR / "mnesia"),
        "RABBITMQ_LOG_BASE": str(RABBIT_DIR / "log"),
        "RABBITMQ_CONFIG_FILE": str(RABBIT_DIR / "rabbitmq"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(RABBIT_DIR / "enabled_plugins"),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
    }


def rabbit(vhosts: list[str]) -> None:
    RABBIT_DIR.mkdir(parents=True, exist_ok=True)
    (RABBIT_DIR / "rabbitmq.conf").write_text("loopback_users = none\n")
    (RABBIT_DIR / "enabled_plugins").write_text("[].\n")
    env = rabbit_env()
    # epmd in the foreground so that its PID is ours (erl would fork a daemon one).
    procs.start("epmd", ["epmd", "-port", str(layout.EPMD_PORT), "-address", layout.HOST],
                env=env)
    procs.start("rabbitmq", ["/usr/lib/rabbitmq/bin/rabbitmq-server"], env=env)
    procs.wait_until("rabbitmq", lambda: port_open(layout.RABBIT_PORT), 90, "listening")
    ctl = "/usr/lib/rabbitmq/bin/rabbitmqctl"
    existing = procs.run([ctl, "list_vhosts", "-q"], "rabbitmq", env=env).split()
    for vhost in vhosts:
        if vhost not in existing:
            procs.run([ctl, "add_vhost", vhost], "rabbitmq", env=env)
        procs.run([ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
                  "rabbitmq", env=env)


# --- memcached: token caches ---------------------------------------------------------

def memcached() -> None:
    procs.start("memcached", ["/usr/bin/memcached", "-u", "root", "-l", layout.HOST,
                              "-p", str(layout.MEMCACHED_PORT), "-U", "0", "-m", "128"])
    procs.wait_until("memcached", lambda: port_open(layout.MEMCACHED_PORT), 30, "listening")


# --- Keystone ---------------------------------------------------------------------

def keystone() -> None:
    etc = layout.STATE / "keystone"
    conf = confs.write_ini(etc / "keystone.conf", {
        "DEFAULT": {"log_dir": "", "use_stderr": "true"},
        "database": {"connection": layout.db_url("keystone")},
        "token": {"provider": "fernet", "expiration": 86400},
        "fernet_tokens": {"key_repository": etc / "fernet-keys"},
        "fernet_receipts": {"key_repository": etc / "fernet-keys"},
        "credential": {"key_repository": etc / "credential-keys"},
        # Keystone's own cache (tokens, roles, catalog), as devstack configures it.
        "cache": {"enabled": "true", "backend": "oslo_cache.memcache_pool",
                  "memcache_servers": layout.MEMCACHED},
        # Every password check (each token issued) costs 2**rounds bcrypt work: 12 rounds
        # took seconds per token under the testbed's load. Nothing here needs protection
        # against offline cracking; 4 is bcrypt's minimum.
        "identity": {"password_hash_rounds": 4},
    })
    manage = [bin("keystone-manage"), "--config-file", str(conf)]
    if not (etc / "fernet-keys").exists():
        procs.run([*manage, "db_sync"], "keystone-setup")
        procs.run([*manage, "fernet_setup", "--keystone-user", "root",
                   "--keystone-group", "root"], "keystone-setup")
        procs.run([*manage, "credential_setup", "--keystone-user", "root",
                   "--keystone-group", "root"], "keystone-setup")
        procs.run([*manage, "bootstrap", "--bootstrap-password", layout.ADMIN_PASSWORD,
                   "--bootstrap-region-id", layout.TOP_REGION,
                   "--bootstrap-admin-url", layout.KEYSTONE_URL,
                   "--bootstrap-public-url", layout.KEYSTONE_URL,
                   "--bootstrap-internal-url", layout.KEYSTONE_URL], "keystone-setup")
    confs.start_wsgi("keystone", "keystone.wsgi.api:application", layout.KEYSTONE_PORT,
                     etc, env={"OS_KEYSTONE_CONFIG_DIR": str(etc)}, threads=8)
    procs.wait_until("keystone", procs.http_answers(layout.KEYSTONE_URL), 60, "answering")


# --- Glance (shared by all regions, file store) -------------------------------------

def glance() -> None:
    etc = layout.STATE / "glance"
    (etc / "images").mkdir(parents=True, exist_ok=True)
    paste = layout.VENV / "etc" / "glance" / "glance-api-paste.ini"
    (etc / "glance-api-paste.ini").write_text(paste.read_text())
    confs.write_ini(etc / "glance-api.conf", {
        "DEFAULT": {"enabled_backends": "fs:file", "use_stderr": "true",
                    "bind_host": layout.HOST, "bind_port": layout.GLANCE_PORT,
                    "worker_self_reference_url": layout.GLANCE_URL},
        "database": {"connection": layout.db_url("glance")},
        "glance_store": {"default_backend": "fs"},
        "fs": {"filesystem_store_datadir": etc / "images"},
        "os_glance_staging_store": {"filesystem_store_datadir": etc / "staging"},
        "os_glance_tasks_store": {"filesystem_store_datadir": etc / "tasks"},
        "paste_deploy": {"flavor": "keystone",
                         "config_file": etc / "glance-api-paste.ini"},
        "keystone_authtoken": confs.authtoken("glance", layout.TOP_REGION),
        "oslo_concurrency": {"lock_path": etc / "lock"},
    })
    env = {"OS_GLANCE_CONFIG_DIR": str(etc)}
    marker = etc / ".db-synced"
    if not marker.exists():
        procs.run([bin("glance-manage"), "--config-file", str(etc / "glance-api.conf"),
                   "db_sync"], "glance-setup", env=env)
        marker.touch()
    confs.start_wsgi("glance", "glance.wsgi.api:application", layout.GLANCE_PORT, etc,
                     env=env)
    procs.wait_until("glance", procs.http_answers(layout.GLANCE_URL), 60, "answering")


def stop_rabbit() -> None:
    env = dict(os.environ, **rabbit_env())
    if procs.alive("rabbitmq"):
        subprocess.run(["/usr/lib/rabbitmq/bin/rabbitmqctl", "stop"], env=env,
                       capture_output=True, timeout=60)
    procs.stop("rabbitmq")
    procs.stop("epmd")
