"""Whether a cloud's observe pipeline reads flow logs at all, before `observe` asks it to.

A provider reads flow logs when its observe package exports the four functions `observe`
calls (flow_book, flow_records, flow_file_records, flow_source). One that does not may say
why and what to do instead in `NO_FLOW_LOGS`; `observe --cloud <it>` is then one line with
exit 2 rather than a crash halfway through the command.
"""

from __future__ import annotations

from types import ModuleType

from infra.errors import UsageError

FLOW_LOG_PARTS = ("flow_book", "flow_records", "flow_file_records", "flow_source")


def require_flow_logs(cloud: str, pipeline: ModuleType) -> None:
    if all(hasattr(pipeline, name) for name in FLOW_LOG_PARTS):
        return
    why = getattr(pipeline, "NO_FLOW_LOGS", "its provider reads none; prove its paths with `bulkhead verify`")
    raise UsageError(f"flow logs are not read for {cloud}; {why}")
