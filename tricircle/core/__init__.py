"""The bottom layer: configuration, context, errors, policy, the database, pod clients,
the pods registry, the routing table and the job queue (with every job type's name and
key, but no handler). Imports nothing else of Tricircle."""
