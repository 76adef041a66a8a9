"""The top Neutron state (networks, subnets, ports, routers, security groups, IPAM, the L3
plan) and the copies of it made in pods. `sync/` holds the jobs that make the pods agree:
only tricircle-xjob imports it."""
