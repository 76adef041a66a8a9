"""One bottom pod: Nova (fake virt driver), Placement, Cinder (fake driver), Neutron (ML2)."""
from __future__ import annotations

import time

from . import confs, layout, procs
from .confs import bin

NOVA_DBS = ("nova_api", "nova_cell0", "nova")


def databases(pod: layout.Pod) -> list[str]:
    return [pod.db(n) for n in (*NOVA_DBS, "placement", "cinder", "neutron")]


def _common(pod: layout.Pod, name: str) -> dict:
    return {"use_stderr": "true", "state_path": pod.dir / name}


def write_configs(pod: layout.Pod) -> None:
    d = pod.dir
    confs.write_ini(d / "placement" / "placement.conf", {
        "DEFAULT": {"use_stderr": "true"},
        "placement_database": {"connection": layout.db_url(pod.db("placement"))},
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": confs.authtoken("placement", pod.region),
    })
    nova_paste = layout.VENV / "etc" / "nova" / "api-paste.ini"
    (d / "nova").mkdir(parents=True, exist_ok=True)
    (d / "nova" / "api-paste.ini").write_text(nova_paste.read_text())
    confs.write_ini(d / "nova" / "nova.conf", {
        "DEFAULT": {
            **_common(pod, "nova"),
            "host": layout.COMPUTE_HOST,
            "my_ip": layout.HOST,
            "compute_driver": "fake.FakeDriverWithoutFakeNodes",
            # One compute host per pod: a resize can only stay on it.
            "allow_resize_to_same_host": "true",
            "transport_url": pod.transport_url,
            "instances_path": d / "nova" / "instances",
            # A pod that offers one AZ: servers with no AZ land there too.
            "default_schedule_zone": pod.az,
        },
        "wsgi": {"api_paste_config": d / "nova" / "api-paste.ini"},
        "api_database": {"connection": layout.db_url(pod.db("nova_api"))},
        "database": {"connection": layout.db_url(pod.db("nova"))},
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": confs.authtoken("nova", pod.region),
        "service_user": {"send_service_user_token": "true",
                         **confs.service_auth("nova", pod.region)},
        "placement": confs.service_auth("nova", pod.region),
        "neutron": confs.service_auth("nova", pod.region),
        "cinder": {"os_region_name": pod.region,
                   **confs.service_auth("nova", pod.region)},
        "glance": {"region_name": pod.region},
        "scheduler": {"workers": 1, "discover_hosts_in_cells_interval": 10},
        "conductor": {"workers": 1},
        "vnc": {"enabled": "true", "server_listen": layout.HOST,
                "server_proxyclient_address": layout.HOST,
                "novncproxy_base_url": pod.url("novnc")},
        "spice": {"enabled": "false"},
        "oslo_concurrency": {"lock_path": d / "nova" / "lock"},
        "oslo_messaging_notifications": {"driver": "noop"},
        "oslo_policy": {"enforce_new_defaults": "true"},
    })
    confs.write_ini(d / "cinder" / "cinder.conf", {
        "DEFAULT": {
            **_common(pod, "cinder"),
            "host": f"{pod.key}-cinder",
            "transport_url": pod.transport_url,
            "auth_strategy": "keystone",
            "api_paste_config": layout.VENV / "etc" / "cinder" / "api-paste.ini",
            # Without it (default /etc/cinder/...) every list filter is refused with 400.
            "resource_query_filters_file": layout.VENV / "etc" / "cinder" /
            "resource_filters.json",
            "enabled_backends": "fake1",
            "storage_availability_zone": pod.az,
            "default_availability_zone": pod.az,
            "allow_availability_zone_fallback": "false",
            "glance_api_servers": layout.GLANCE_URL,
            # Pool stats every 10 s with no random delay: a scheduler that missed the
            # first report would otherwise have no backend for up to two minutes.
            "periodic_interval": 10,
            "periodic_fuzzy_delay": 0,
        },
        "database": {"connection": layout.db_url(pod.db("cinder"))},
        "keystone_authtoken": confs.authtoken("cinder", pod.region),
        "service_user": {"send_service_user_token": "true",
                         **confs.service_auth("cinder", pod.region)},
        "nova": {**confs.service_auth("cinder", pod.region), "interface": "public"},
        "fake1": {"volume_driver": "cinder.tests.fake_driver.FakeLoggingVolumeDriver",
                  "volume_backend_name": "fake1"},
        "oslo_concurrency": {"lock_path": d / "cinder" / "lock"},
        "oslo_messaging_notifications": {"driver": "noop"},
    })
    confs.write_ini(d / "neutron" / "neutron.conf", {
        "DEFAULT": {
            **_common(pod, "neutron"),
            "core_plugin": "ml2",
            "service_plugins": "router",
            "auth_strategy": "keystone",
            "api_paste_config": layout.VENV / "etc" / "neutron" / "api-paste.ini",
            # No agents: no broker needed, nothing to notify.
            "transport_url": "fake:/",
            "rpc_workers": 0,
            "rpc_state_report_workers": 0,
            "notify_nova_on_port_status_changes": "false",
            "notify_nova_on_port_data_changes": "false",
        },
        "database": {"connection": layout.db_url(pod.db("neutron"))},
        "keystone_authtoken": confs.authtoken("neutron", pod.region),
        "ml2": {"type_drivers": "local,flat,vlan", "tenant_network_types": "local",
                "mechanism_drivers": "test", "extension_drivers": "port_security"},
        "ml2_type_vlan": {"network_vlan_ranges":
                          f"{layout.BRIDGE_PHYSNET}:{layout.BRIDGE_VLANS[0]}:"
                          f"{layout.BRIDGE_VLANS[1]}"},
        "ml2_type_flat": {"flat_networks": "*"},
        "oslo_concurrency": {"lock_path": d / "neutron" / "lock"},
    })


def sync_databases(pod: layout.Pod) -> None:
    d = pod.dir
    marker = d / ".db-synced"
    if marker.exists():
        return
    nova = [bin("nova-manage"), "--config-file", str(d / "nova" / "nova.conf")]
    log = f"{pod.key}-setup"
    procs.run([bin("placement-manage"), "--config-file",
               str(d / "placement" / "placement.conf"), "db", "sync"], log)
    procs.run([*nova, "api_db", "sync"], log)
    procs.run([*nova, "cell_v2", "map_cell0", "--database_connection",
               layout.db_url(pod.db("nova_cell0"))], log)
    cells = procs.run([*nova, "cell_v2", "list_cells"], log)
    if " cell1 " not in cells:
        procs.run([*nova, "cell_v2", "create_cell", "--name", "cell1"], log)
    procs.run([*nova, "db", "sync"], log)
    procs.run([bin("cinder-manage"), "--config-file", str(d / "cinder" / "cinder.conf"),
               "db", "sync"], log)
    procs.run([bin("neutron-db-manage"), "--config-file", str(d / "neutron" / "neutron.conf"),
               "upgrade", "heads"], log)
    marker.touch()


def start(pod: layout.Pod) -> None:
    d, k = pod.dir, pod.key
    nova_conf = ["--config-file", str(d / "nova" / "nova.conf")]
    cinder_conf = ["--config-file", str(d / "cinder" / "cinder.conf")]
    confs.start_wsgi(f"{k}-placement", "placement.wsgi.api:application", pod.port("placement"),
                     d / "placement", env={"OS_PLACEMENT_CONFIG_DIR": str(d / "placement")})
    confs.start_wsgi(f"{k}-nova-api", "nova.wsgi.osapi_compute:application", pod.port("nova"),
                     d / "nova", env={"OS_NOVA_CONFIG_DIR": str(d / "nova")})
    for svc in ("conductor", "scheduler", "compute"):
        procs.start(f"{k}-nova-{svc}", [bin(f"nova-{svc}"), *nova_conf])
    confs.start_wsgi(f"{k}-cinder-api", "cinder.wsgi.api:application", pod.port("cinder"),
                     d / "cinder", argv=cinder_conf)
    for svc in ("scheduler", "volume"):
        procs.start(f"{k}-cinder-{svc}", [bin(f"cinder-{svc}"), *cinder_conf])
    # PYTHONOPTIMIZE strips the `assert`s of the `test` mechanism driver, which check
    # a per-process memory of bound ports that a restart (or a 2nd worker) loses.
    confs.start_wsgi(f"{k}-neutron-api", "neutron.wsgi.api:application", pod.port("neutron"),
                     d / "neutron", env={"OS_NEUTRON_CONFIG_DIR": str(d / "neutron"),
                                         "OS_NEUTRON_CONFIG_FILES": "neutron.conf",
                                         "PYTHONOPTIMIZE": "1"})


def wait_apis(pod: layout.Pod) -> None:
    for svc, name in (("placement", "placement"), ("nova", "nova-api"),
                      ("cinder", "cinder-api"), ("neutron", "neutron-api")):
        procs.wait_until(f"{pod.key}-{name}", procs.http_answers(pod.url(svc)), 120,
                         "answering")


def wait_ready(pod: layout.Pod, conn) -> None:
    """Wait for compute and volume to serve: host mapped, AZ aggregate, a pool."""
    k = pod.key

    def compute_up() -> bool:
        return any(s.binary == "nova-compute" and s.state == "up"
                   for s in conn.compute.services())
    procs.wait_until(f"{k}-nova-compute", compute_up, 120, "reporting up")
    procs.run([bin("nova-manage"), "--config-file", str(pod.dir / "nova" / "nova.conf"),
               "cell_v2", "discover_hosts"], f"{k}-setup")
    ensure_az_aggregate(pod, conn)

    def pools() -> bool:
        return bool(list(conn.block_storage.backend_pools()))
    procs.wait_until(f"{k}-cinder-volume", pools, 120, "reporting a pool")

    def hypervisor() -> bool:
        return bool(list(conn.compute.hypervisors()))
    procs.wait_until(f"{k}-nova-compute", hypervisor, 60, "listed as a hypervisor")


def ensure_az_aggregate(pod: layout.Pod, conn) -> None:
    for agg in conn.compute.aggregates():
        if agg.name == pod.az:
            break
    else:
        agg = conn.compute.create_aggregate(name=pod.az, availability_zone=pod.az)
    if layout.COMPUTE_HOST not in (agg.hosts or []):
        # The first add_host after start syncs to placement; retry while it settles.
        for attempt in range(10):
            try:
                conn.compute.add_host_to_aggregate(agg, layout.COMPUTE_HOST)
                return
            except Exception:
                if attempt == 9:
                    raise
                time.sleep(1)


SERVICES = ("placement", "nova-api", "nova-conductor", "nova-scheduler", "nova-compute",
            "cinder-api", "cinder-scheduler", "cinder-volume", "neutron-api")


def service_names(pod: layout.Pod) -> list[str]:
    return [f"{pod.key}-{s}" for s in SERVICES]
