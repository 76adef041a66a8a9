"""Configuration options (oslo.config). `list_opts` feeds the sample generator:

    oslo-config-generator --config-file etc/tricircle/tricircle-config-generator.conf
"""
from __future__ import annotations

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
from oslo_log import log

CONF = cfg.CONF

default_opts = [
    cfg.StrOpt("state_path", default="/var/lib/tricircle",
               help="Directory for Tricircle's own state (the default SQLite database)."),
]

api_opts = [
    cfg.HostAddressOpt("bind_host", default="127.0.0.1", help="Address tricircle-api listens on."),
    cfg.PortOpt("bind_port", default=19999, help="Port tricircle-api listens on."),
    cfg.IntOpt("threads", default=16, min=1,
               help="Request threads of each tricircle-api worker process."),
    cfg.IntOpt("workers", default=1, min=1,
               help="tricircle-api's worker processes (gunicorn) on its one port: more "
                    "than one uses more than one core ([metrics] directory sums them)."),
    cfg.IntOpt("keepalive", default=75, min=1,
               help="Seconds tricircle-api keeps an idle client connection open: longer "
                    "than clients keep theirs idle (as the pods' own 75 s), or a client "
                    "reusing one just as it closes gets no answer."),
    cfg.IntOpt("max_request_body_size", default=1 << 20, min=1024,
               help="Largest request body (bytes) any API takes, forwarded or not; a "
                    "larger one is refused with 413 before it is read whole."),
    cfg.IntOpt("max_page_size", default=1000, min=1,
               help="Largest page a list answers, whatever `limit` asks."),
    cfg.StrOpt("degraded_lists", default="fail", choices=["fail", "partial"],
               help="A merged list while a pod is down or past [client] list_deadline "
                    "(servers at compute microversion 2.69 and later show that pod's "
                    "servers as UNKNOWN instead): `fail` answers 503 naming the pod; "
                    "`partial` answers what the other pods gave, naming the missing "
                    "pods in the X-Tricircle-Missing-Pods header."),
]

database_opts = [
    cfg.StrOpt("connection", secret=True,
               default="sqlite:///$state_path/tricircle.sqlite",
               help="SQLAlchemy URL of Tricircle's database (SQLite or PostgreSQL)."),
]

client_opts = [
    cfg.StrOpt("top_region", default="RegionOne",
               help="The Keystone region users see; its compute, volume and network "
                    "endpoints are Tricircle."),
    cfg.StrOpt("interface", default="public",
               choices=["public", "internal", "admin"],
               help="Catalog interface used to reach the pods."),
    cfg.FloatOpt("connect_timeout", default=5.0, min=0.1,
                 help="Seconds to wait for a pod to accept a connection."),
    cfg.FloatOpt("timeout", default=60.0, min=0.1,
                 help="Seconds to wait for a pod's answer."),
    cfg.IntOpt("max_answer_size", default=256 << 20, min=1 << 20,
               help="Largest answer body (bytes) taken from a pod's GET; a larger one "
                    "counts as the pod failing."),
    cfg.IntOpt("connect_retries", default=2, min=0,
               help="Retries of a pod call that could not connect (never of one that did)."),
    cfg.BoolOpt("environment_proxies", default=False,
                help="Honour HTTP(S)_PROXY/NO_PROXY of the environment for calls to pods."),
    cfg.IntOpt("max_pods", default=256, min=1,
               help="Pods (endpoints) whose connections are kept open at once; beyond "
                    "this, connections are closed and reopened."),
    cfg.FloatOpt("list_deadline", default=10.0, min=0.1,
                 help="Seconds a merged list waits for each pod: a pod that has not "
                      "answered by then is left out as a pod that is down is (see "
                      "[api] degraded_lists)."),
    cfg.IntOpt("fanout_workers", default=64, min=1,
               help="Pods called at once by one fan-out (list merges, route updates)."),
]

xjob_opts = [
    cfg.IntOpt("workers", default=2, min=1, help="Job threads of one tricircle-xjob."),
    cfg.FloatOpt("poll_interval", default=1.0, min=0.05,
                 help="Seconds an idle worker waits before looking for jobs again."),
    cfg.FloatOpt("lease_seconds", default=60.0, min=1,
                 help="A claimed job is renewed while it runs; if its worker dies the job "
                      "is re-queued this long after its last renewal."),
    cfg.FloatOpt("sweep_interval", default=10.0, min=0.1,
                 help="Seconds between sweeps re-queueing jobs whose lease expired."),
    cfg.IntOpt("max_attempts", default=10, min=1,
               help="Attempts before a job is marked FAIL (an admin may redo it)."),
    cfg.FloatOpt("backoff_base", default=2.0, min=0.0,
                 help="Retry delay after attempt n is backoff_base * 2**(n-1) seconds."),
    cfg.FloatOpt("backoff_max", default=300.0, min=0.0, help="Longest retry delay, seconds."),
    cfg.FloatOpt("audit_interval", default=3600.0, min=0,
                 help="Seconds between leak audits of every pod (bottom objects named "
                      "with a top id that nothing at the top stands for); 0: never."),
    cfg.FloatOpt("audit_min_age", default=600.0, min=0,
                 help="The audit leaves bottom objects younger than this (seconds)."),
    cfg.PortOpt("wake_port", default=19998,
                help="UDP port tricircle-xjob listens on for a wake-up: a process that "
                     "queued jobs sends one, so they start at once instead of at the next "
                     "poll. 0: polling only."),
    cfg.HostAddressOpt("wake_listen", default="127.0.0.1",
                       help="Address tricircle-xjob takes wake-ups on."),
    cfg.ListOpt("wake_hosts", default=["127.0.0.1"],
                help="Where tricircle-xjob processes listen for wake-ups (every host "
                     "running one)."),
    cfg.FloatOpt("reconcile_interval", default=600.0, min=0,
                 help="Seconds between reconciler passes over each pod (every copy "
                      "compared with the top and repaired); 0 disables them."),
    cfg.FloatOpt("keep_finished", default=7 * 86400.0, min=0,
                 help="Seconds a finished (SUCCESS) job is kept for operators to see; 0: "
                      "forever. FAIL jobs stay until an admin redoes or deletes them."),
    cfg.ListOpt("handler_modules", default=[],
                help="Extra Python modules whose job handlers the workers load."),
]

compute_opts = [
    cfg.StrOpt("default_availability_zone",
               help="The AZ of a server or volume created without one; unset, such a "
                    "request is refused with 400."),
]

network_opts = [
    cfg.ListOpt("default_availability_zones", default=[],
                help="Neutron's option of that name: the availability zone a network "
                     "created without availability_zone_hints lives in (its hints stay "
                     "empty; its availability_zones show it). A network joins a router in "
                     "one pod: of several listed, the first. Unset, a network without a "
                     "hint cannot join a router (400) and boots may use it in any zone."),
    cfg.IntOpt("global_physnet_mtu", default=1500, min=68,
               help="The largest MTU a network may have: the pods' Neutron "
                    "global_physnet_mtu (the smallest, if they differ). A larger one is "
                    "refused as the pods' Neutron would."),
]

routing_opts = [
    cfg.FloatOpt("claim_seconds", default=120.0, min=1,
                 help="A routing row claimed but never filled is taken over after this long "
                      "(its creator is presumed dead). Longer than any pod call."),
]

l3_opts = [
    cfg.StrOpt("bridge_physical_network", default="bridge",
               help="The pods' physical network that carries the bridge VLANs (a name in "
                    "their ML2 network_vlan_ranges)."),
    cfg.StrOpt("bridge_vlan_range", default="2001:3000",
               regex=r"^\d+:\d+$",
               help="first:last VLAN ids Tricircle hands out, one per project with a router "
                    "spanning pods. Must lie inside the pods' range for that network."),
    cfg.StrOpt("bridge_cidr_pool", default="100.0.0.0/9",
               help="Each project's bridge CIDR is a /bridge_prefixlen of this pool."),
    cfg.IntOpt("bridge_prefixlen", default=24, min=8, max=30,
               help="Prefix length of a bridge CIDR (room for one bridge IP per router "
                    "and pod)."),
]

health_opts = [
    cfg.FloatOpt("interval", default=10.0, min=0,
                 help="Seconds between tricircle-xjob's probes of every pod's compute, "
                      "volume and network endpoints (0: no probes)."),
    cfg.IntOpt("threshold", default=3, min=1,
               help="Probe results in a row that change a pod service's state (up, "
                    "degraded, down): one odd result does not."),
    cfg.FloatOpt("timeout", default=5.0, min=0.1,
                 help="Seconds a probe waits for an answer before the pod counts as down."),
    cfg.FloatOpt("slow_seconds", default=2.0, min=0.01,
                 help="A probe answered slower than this counts as degraded."),
]

metrics_opts = [
    cfg.StrOpt("directory", default="$state_path/metrics",
               help="Where tricircle-api's workers and tricircle-xjob's processes of one "
                    "host keep their counts (a subdirectory per kind), so that a scrape "
                    "of any of them sums all; empty: each process counts alone."),
    cfg.ListOpt("allowed_source_ranges", default=["127.0.0.0/8", "::1/128"],
                help="Addresses (CIDRs) that may read /metrics of tricircle-api and "
                     "tricircle-xjob; others get 404."),
    cfg.HostAddressOpt("xjob_listen", default="127.0.0.1",
                       help="Address of tricircle-xjob's /metrics and /healthcheck."),
    cfg.PortOpt("xjob_port", default=19997,
                help="Port of tricircle-xjob's /metrics and /healthcheck (shared by the "
                     "xjob processes of a host: SO_REUSEPORT); 0: none."),
]

scheduler_opts = [
    cfg.BoolOpt("rebind_when_down", default=False,
                help="While a project's pod of an availability zone is down (health "
                     "probes), make its new servers and volumes in another healthy pod "
                     "of that zone (its existing objects stay where they are)."),
]

service_credentials_group = "service_credentials"


def register(conf: cfg.ConfigOpts = CONF) -> None:
    conf.register_opts(default_opts)
    conf.register_opts(api_opts, group="api")
    conf.register_opts(database_opts, group="database")
    conf.register_opts(client_opts, group="client")
    conf.register_opts(xjob_opts, group="xjob")
    conf.register_opts(routing_opts, group="routing")
    conf.register_opts(compute_opts, group="compute")
    conf.register_opts(network_opts, group="network")
    conf.register_opts(l3_opts, group="l3")
    conf.register_opts(health_opts, group="health")
    conf.register_opts(scheduler_opts, group="scheduler")
    conf.register_opts(metrics_opts, group="metrics")
    # Tricircle's own account: provider (bridge) networks, cross-project listings.
    ks_loading.register_auth_conf_options(conf, service_credentials_group)
    ks_loading.register_session_conf_options(conf, service_credentials_group)


def _service_credential_opts() -> list[cfg.Opt]:
    opts = ks_loading.get_session_conf_options() + ks_loading.get_auth_common_conf_options()
    return opts + ks_loading.get_auth_plugin_conf_options("password")


def list_opts() -> list[tuple[str | None, list[cfg.Opt]]]:
    return [
        (None, default_opts),
        ("api", api_opts),
        ("database", database_opts),
        ("client", client_opts),
        ("xjob", xjob_opts),
        ("routing", routing_opts),
        ("compute", compute_opts),
        ("network", network_opts),
        ("l3", l3_opts),
        ("health", health_opts),
        ("scheduler", scheduler_opts),
        ("metrics", metrics_opts),
        (service_credentials_group, _service_credential_opts()),
    ]


def setup(argv: list[str] | None = None, conf: cfg.ConfigOpts = CONF,
          default_config_files: list[str] | None = None) -> cfg.ConfigOpts:
    """Parse the command line and config files, and set up logging. Again in the same
    process (tests), it forgets the previous parse first."""
    conf.clear()
    register(conf)
    log.register_options(conf)
    conf(argv or [], project="tricircle", default_config_files=default_config_files)
    log.setup(conf, "tricircle")
    return conf


register(CONF)
