"""What `bulkhead validate` warns about on AWS: intent this build cannot keep exactly.

One case: a segment that declares `object-storage` and internet egress on anything but tcp/443.
Its subnet routes S3's prefix list to the gateway endpoint (more specific than the NAT route),
and its `0.0.0.0/0` allows cover S3's addresses too, while neither a security group (allows
only) nor a NACL (CIDRs only, and S3's prefix list changes) can take those addresses out. So it
reaches S3 on those other ports as well, and `verify` reports each as an unintended path to
`service:object-storage`. The model is legal, so this is a warning, located at the first
internet egress port concerned (docs/aws-network.md).
"""

from __future__ import annotations

from infra.errors import Problem
from infra.model import Model
from infra.ports import PROTOCOLS, PortSet, Protocol, format_ports, parse_port_spec

_S3_PORTS = {"tcp": PortSet.single(443)}  # what object-storage is meant to reach: HTTPS only


def model_warnings(model: Model) -> list[Problem]:
    out = []
    for name, (first, extra) in s3_beyond_https(model).items():
        shown = ", ".join(format_ports(p, extra[p]) for p in PROTOCOLS if p in extra)
        out.append(Problem(
            ("segments", name, "internet", "egress", first),
            f"warning: on aws, {name} will also reach S3 ({shown}) through the object-storage gateway endpoint: "
            "its internet allows cover S3's addresses and AWS filters cannot take them out, so verify reports "
            "it as an unintended path",
            "keep this segment's internet egress to tcp/443, or move object-storage to a segment without "
            "other internet egress; or keep it, knowing verify will report that path"))
    return out


def s3_beyond_https(model: Model) -> dict[str, tuple[int, dict[Protocol, PortSet]]]:
    """Segment -> (index of its first internet egress spec concerned, the ports beyond tcp/443)."""
    out = {}
    for name, segment in model.segments.items():
        if "aws" not in model.placement(name) or "object-storage" not in segment.services:
            continue
        extra: dict[Protocol, PortSet] = {}
        first: int | None = None
        for i, spec in enumerate(segment.internet.egress):
            protocol, ports = parse_port_spec(spec)
            beyond = ports - _S3_PORTS.get(protocol, PortSet())
            if beyond:
                extra[protocol] = extra.get(protocol, PortSet()) | beyond
                first = i if first is None else first
        if first is not None:
            out[name] = (first, extra)
    return out
