"""Compute and volume logic below the API: list merging, quotas, flavors, the ports of
servers booted on top networks, the create reaper; `sync` holds their jobs (xjob only)."""
