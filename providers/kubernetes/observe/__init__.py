"""Kubernetes observe pipeline: a live cluster (read-only list calls in collect.py), a saved
snapshot or a folder of manifests (manifests.py) enters; the neutral Network of per-workload
NetworkPolicy filters (normalize.py) leaves."""

# Imported eagerly: collect.py loads the kubernetes client only when it reads a live cluster,
# so normalizing a snapshot or a manifest folder needs no client.
from providers.kubernetes.observe.collect import collect, live_source
from providers.kubernetes.observe.flowlogs import NO_FLOW_LOGS
from providers.kubernetes.observe.manifests import read_snapshot
from providers.kubernetes.observe.normalize import normalize
from providers.kubernetes.observe.place import check_placement
from providers.kubernetes.observe.shapes import SNAPSHOT_LAYOUT

__all__ = ["NO_FLOW_LOGS", "SNAPSHOT_LAYOUT", "check_placement", "collect", "live_source", "normalize",
           "read_snapshot"]
