"""AWS values the snapshot shapes parse strictly: protocols, ports, rule numbers, gateway ids, states.

Each is a closed vocabulary or range the describe calls keep to; a value outside it is
refused with the vocabulary as the fix, since the verifier would otherwise misread it (a
gateway id of another form drops its route, and every path through it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field

from infra.errors import FixableValueError

PROTOCOL_NAMES = {"tcp", "udp", "icmp", "icmpv6", "all", "-1"}


def _protocol(value: str) -> str:
    """A name AWS uses, `-1`, or an IANA protocol number 0-255 (as text, the way AWS returns it)."""
    if value.lower() in PROTOCOL_NAMES or (value.isdigit() and 0 <= int(value) <= 255):
        return value
    raise FixableValueError(f"{value!r} is not an IP protocol", 'AWS writes "tcp", "udp", "icmp", "icmpv6", '
                            '"-1" (all) or a protocol number 0-255; re-collect the snapshot')


def _resource_id(prefixes: str, *words: str) -> Callable[[str], str]:
    """A check that a route target is `<prefix>-<id>` (or one of `words`, like `local`).

    The verifier tells a way out from a dead end by the prefix, so an id of another form
    would silently drop the route and every path through it."""
    pattern = re.compile(rf"({prefixes})-[0-9A-Za-z]+")
    shown = ", ".join([*(f'"{w}"' for w in words), *(f'"{p}-…"' for p in prefixes.split("|"))])

    def check(value: str) -> str:
        if value in words or pattern.fullmatch(value):
            return value
        raise FixableValueError(f"{value!r} is not a route target id", f"AWS writes {shown}; re-collect the snapshot")

    return check


def _endpoint_state(value: str) -> str:
    # describe_vpc_endpoints writes these lower-case although the API's model spells them capitalised
    if value.lower() in ENDPOINT_STATES:
        return value
    raise FixableValueError(f"{value!r} is not a VPC endpoint state", f"AWS writes one of "
                            f"{', '.join(sorted(ENDPOINT_STATES))}; re-collect the snapshot")


ENDPOINT_STATES = {"pendingacceptance", "pending", "available", "deleting", "deleted", "rejected", "failed", "expired",
                   "partial"}
ProtocolText = Annotated[str, AfterValidator(_protocol)]
GatewayText = Annotated[str, AfterValidator(_resource_id("igw|vgw|vpce", "local"))]
EndpointIdText = Annotated[str, AfterValidator(_resource_id("vpce"))]
EndpointState = Annotated[str, AfterValidator(_endpoint_state)]
Port = Annotated[int, Field(ge=-1, le=65535)]  # -1: every port (or every ICMP type)
IcmpField = Annotated[int, Field(ge=-1, le=255)]
RuleNumberValue = Annotated[int, Field(ge=1, le=32768)]  # 32767 / 32768: the `*` deny entries
