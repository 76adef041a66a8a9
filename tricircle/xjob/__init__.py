"""The job path: workers that claim jobs with leases, and the registry that maps every job
type to its handler in the domains' sync code."""
