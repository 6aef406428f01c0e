"""High availability: the standby room server (streaming replication and its guard)."""
