"""The `openstack tricircle ...` commands (an OpenStack client plugin): the admin API over
HTTP, as any client of it would call it. Imports nothing else of Tricircle."""
