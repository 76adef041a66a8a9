"""Tricircle's tables. Schema changes go through alembic (tricircle/core/db/migrations)."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class Pod(Base):
    """A Keystone region: the top one (az_name NULL) or a bottom pod in an AZ.

    `id` is also the id of the host aggregate `ag_<name>` the compute API shows.
    """
    __tablename__ = "pods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pod_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    pod_name: Mapped[str] = mapped_column(String(255), unique=True)
    az_name: Mapped[str | None] = mapped_column(String(255), index=True)
    pod_az_name: Mapped[str | None] = mapped_column(String(255))
    dc_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PodBinding(Base):
    """Project -> pod, at most one pod per AZ for a project (checked on insert)."""
    __tablename__ = "pod_bindings"
    __table_args__ = (UniqueConstraint("project_id", "az_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64))
    pod_id: Mapped[str] = mapped_column(ForeignKey("pods.pod_id", ondelete="CASCADE"),
                                        index=True)
    # Copied from the pod so that "one pod per AZ per project" is a unique key.
    az_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Routing(Base):
    """Top id -> (pod, bottom id). A row with bottom_id NULL is a claim: creation runs."""
    __tablename__ = "routings"
    __table_args__ = (UniqueConstraint("top_id", "pod_id", "resource_type"),
                      Index("ix_routings_project_type", "project_id", "resource_type"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    top_id: Mapped[str] = mapped_column(String(127))
    bottom_id: Mapped[str | None] = mapped_column(String(36), index=True)
    pod_id: Mapped[str] = mapped_column(ForeignKey("pods.pod_id"), index=True)
    project_id: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(64))
    # While a claim: the job worker that made it (its lease says whether it still runs).
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Job(Base):
    """A durable unit of asynchronous work.

    `queued_key` and `running_key` hold "type:resource_key" only while the job is NEW and
    RUNNING respectively; being unique, they make the database refuse a second queued copy
    of the same work and a second concurrent run of it.
    """
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(64))
    resource_key: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(64), index=True)
    resource: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)
    queued_key: Mapped[str | None] = mapped_column(String(330), unique=True)
    running_key: Mapped[str | None] = mapped_column(String(330), unique=True)
    # While running, the lock its type holds (jobs.LOCKS): one such job at a time.
    lock_key: Mapped[str | None] = mapped_column(String(330), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ListCursor(Base):
    """Where each pod's list stands after a merged page ending at `marker`, so the next
    page asks every pod for only `limit` items after its own marker."""
    __tablename__ = "list_cursors"
    __table_args__ = (UniqueConstraint("marker", "query"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    marker: Mapped[str] = mapped_column(String(255))
    # A digest of who listed what (project, path, filters, sort): a cursor serves only
    # the same listing.
    query: Mapped[str] = mapped_column(String(64))
    pod_markers: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


# -- Top network state: Tricircle's own (Neutron v2.0 shapes), with IPAM -----------------

class Network(Base):
    __tablename__ = "networks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    shared: Mapped[bool] = mapped_column(default=False)
    mtu: Mapped[int] = mapped_column(Integer, default=1500)
    az_hints: Mapped[list] = mapped_column(JSON, default=list)
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Subnet(Base):
    __tablename__ = "subnets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(Integer)
    cidr: Mapped[str] = mapped_column(String(64))
    gateway_ip: Mapped[str | None] = mapped_column(String(64))
    enable_dhcp: Mapped[bool] = mapped_column(default=True)
    allocation_pools: Mapped[list] = mapped_column(JSON, default=list)
    host_routes: Mapped[list] = mapped_column(JSON, default=list)
    dns_nameservers: Mapped[list] = mapped_column(JSON, default=list)
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Port(Base):
    __tablename__ = "ports"
    # (project_id, id): a project's page of ports in id order is read off the index,
    # not sorted out of all its ports.
    __table_args__ = (UniqueConstraint("network_id", "mac_address"),
                      Index("ix_ports_project_id_id", "project_id", "id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    mac_address: Mapped[str] = mapped_column(String(32))
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    device_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    device_owner: Mapped[str] = mapped_column(String(255), default="")
    # Made by Tricircle for a boot on a network: deleted with its server, as Nova would.
    server_owned: Mapped[bool] = mapped_column(default=False, server_default=false())
    # [{"ip_address", "mac_address"}], [{"opt_name", "opt_value", "ip_version"}]
    allowed_address_pairs: Mapped[list] = mapped_column(JSON, default=list,
                                                        server_default="[]")
    extra_dhcp_opts: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # Neutron's binding extension: what the top was told (a copy's binding is its pod's).
    binding_host_id: Mapped[str] = mapped_column(String(255), default="", server_default="")
    binding_profile: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    binding_vnic_type: Mapped[str] = mapped_column(String(64), default="normal",
                                                   server_default="normal")
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class IPAllocation(Base):
    """One fixed IP of a port; the unique key makes a double allocation impossible."""
    __tablename__ = "ip_allocations"
    __table_args__ = (UniqueConstraint("subnet_id", "ip_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"),
                                         index=True)
    subnet_id: Mapped[str] = mapped_column(ForeignKey("subnets.id"), index=True)
    ip_address: Mapped[str] = mapped_column(String(64))


class Router(Base):
    """A top router. Its interfaces are the top ports its API made or took (RouterPort);
    in each pod where it has one, a bottom router stands for it (routing table)."""
    __tablename__ = "routers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    routes: Mapped[list] = mapped_column(JSON, default=list)  # the user's extra routes
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class RouterPort(Base):
    """A router's interface, recorded by the router API alone: a port's device_owner and
    device_id are user-settable and never make (or unmake) an interface."""
    __tablename__ = "router_ports"

    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id"), primary_key=True)
    router_id: Mapped[str] = mapped_column(ForeignKey("routers.id"), index=True)


class Bridge(Base):
    """A project's bridge: one VLAN (unique on its physical network) and one CIDR (unique),
    the same in every pod. Held while the project has a bridge port."""
    __tablename__ = "bridges"
    __table_args__ = (UniqueConstraint("physical_network", "vlan"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), unique=True)
    physical_network: Mapped[str] = mapped_column(String(64))
    vlan: Mapped[int] = mapped_column(Integer)
    cidr: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class BridgePort(Base):
    """The bridge IP of a top router in a pod, allocated at the top."""
    __tablename__ = "bridge_ports"
    __table_args__ = (UniqueConstraint("router_id", "pod_id"),
                      UniqueConstraint("bridge_id", "ip_address"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    bridge_id: Mapped[str] = mapped_column(ForeignKey("bridges.id"), index=True)
    router_id: Mapped[str] = mapped_column(String(36))
    pod_id: Mapped[str] = mapped_column(ForeignKey("pods.pod_id"), index=True)
    ip_address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SecurityGroup(Base):
    __tablename__ = "security_groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    # The project's id on its default group only: one default per project, race-free.
    default_for: Mapped[str | None] = mapped_column(String(64), unique=True)
    revision_number: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class SecurityGroupRule(Base):
    __tablename__ = "security_group_rules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    security_group_id: Mapped[str] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    ethertype: Mapped[str] = mapped_column(String(8))
    protocol: Mapped[str | None] = mapped_column(String(40))
    port_range_min: Mapped[int | None] = mapped_column(Integer)
    port_range_max: Mapped[int | None] = mapped_column(Integer)
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64))
    remote_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("security_groups.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PortSecurityGroup(Base):
    __tablename__ = "port_security_groups"

    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"),
                                         primary_key=True)
    security_group_id: Mapped[str] = mapped_column(ForeignKey("security_groups.id"),
                                                   primary_key=True, index=True)


class SyncStatus(Base):
    """What the last reconciler pass found in a pod, per resource type: copies in sync,
    repaired, missing (remade where something needs them), orphaned (top object gone:
    removal queued) and failing (the first of them in `failures`)."""
    __tablename__ = "sync_status"

    pod_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    in_sync: Mapped[int] = mapped_column(Integer, default=0)
    repaired: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    orphaned: Mapped[int] = mapped_column(Integer, default=0)
    failing: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[list] = mapped_column(JSON, default=list)
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PodHealth(Base):
    """A pod's service as the health probes found it (tricircle/core/health.py): `state`
    changes only after `streak` results in a row agree on `candidate`."""
    __tablename__ = "pod_health"

    pod_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    candidate: Mapped[str | None] = mapped_column(String(16), nullable=True)
    streak: Mapped[int] = mapped_column(Integer, default=0)
    last_checked: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_change: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
