"""Azure observe pipeline: the live cloud (read-only SDK calls in collect.py) or a saved snapshot
enters; the neutral Network of filters (NSGs, ASGs, route tables and private endpoints, normalize.py) leaves."""

# Imported eagerly: collect.py loads its cloud SDK only when it reads a live cloud, so
# normalizing a saved snapshot needs no SDK. (A lazy re-export would clash: importing the
# module observe.collect puts the module where the function `collect` should be.)
from providers.azure.observe.collect import collect, live_source
from providers.azure.observe.flowlogs import (
    download_flow_logs,
    flow_book,
    flow_file_records,
    flow_records,
    flow_source,
)
from providers.azure.observe.normalize import normalize
from providers.azure.observe.place import check_placement
from providers.azure.observe.shapes import SNAPSHOT_LAYOUT

__all__ = ["SNAPSHOT_LAYOUT", "check_placement", "collect", "download_flow_logs", "flow_book", "flow_file_records",
           "flow_records", "flow_source", "live_source", "normalize"]
