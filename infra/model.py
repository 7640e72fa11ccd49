"""The user-facing segmentation model (DESIGN.md "The model"): exactly these keys, frozen.

Field validation (types, DNS labels, CIDR syntax, port specs) lives on the fields so
pydantic reports every problem with its location; cross-references (unknown segments,
flows between segments that share no cloud, overlapping CIDRs) are in `reference_problems`,
which returns problems instead of raising so the loader can report them all at once.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from infra.errors import Problem
from infra.ports import PortSpecError, parse_port_spec

CloudName = Literal["aws", "gcp", "azure"]
CLOUDS: tuple[CloudName, ...] = get_args(CloudName)
ServiceName = Literal[
    "object-storage", "container-registry", "key-management", "logging", "ml-api"
]
SERVICES: tuple[ServiceName, ...] = get_args(ServiceName)

DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
# GCP resource names are the strictest (63 chars, RFC 1035). Every resource name is
# `<model>-<segment>-<suffix>`; the longest suffix a provider appends is reserved here so
# a name that validates can always be built.
MAX_RESOURCE_NAME = 63
NAME_SUFFIX_RESERVE = 16


def _dns_label(value: str) -> str:
    if not DNS_LABEL.match(value):
        raise ValueError(
            f"{value!r} is not a DNS label; use lowercase letters, digits and '-', "
            "starting with a letter and not ending with '-'"
        )
    return value


def _port(value: object) -> object:
    # A before-validator, so a bad port gives one error instead of one per union branch.
    try:
        parse_port_spec(value)
    except PortSpecError as exc:
        raise ValueError(str(exc)) from None
    return value


Label = Annotated[str, AfterValidator(_dns_label)]
PortSpec = Annotated[int | str, BeforeValidator(_port)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class _CloudBase(_Frozen):
    region: str = Field(min_length=1)
    cidr: IPv4Network

    @field_validator("cidr", mode="before")
    @classmethod
    def _cidr_is_a_network(cls, value: object) -> object:
        if not isinstance(value, str) or "/" not in value:
            raise ValueError(f"{value!r} is not a CIDR; write it as e.g. 10.10.0.0/16")
        try:
            return IPv4Network(value)
        except ValueError:
            pass
        try:
            loose = IPv4Network(value, strict=False)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 CIDR; write it as e.g. 10.10.0.0/16") from None
        raise ValueError(f"{value!r} has host bits set; did you mean {loose}?")


class AwsCloud(_CloudBase):
    zones: int = Field(2, ge=1, le=4, description="availability zones, one subnet each")


class GcpCloud(_CloudBase):
    project: str = Field(min_length=1)


class AzureCloud(_CloudBase):
    pass


class Clouds(_Frozen):
    aws: AwsCloud | None = None
    gcp: GcpCloud | None = None
    azure: AzureCloud | None = None

    def declared(self) -> tuple[CloudName, ...]:
        return tuple(c for c in CLOUDS if getattr(self, c) is not None)


class Internet(_Frozen):
    ingress: tuple[PortSpec, ...] = ()
    egress: tuple[PortSpec, ...] = ()


class Segment(_Frozen):
    description: str = ""
    clouds: tuple[CloudName, ...] | None = None
    internet: Internet = Internet()
    services: tuple[ServiceName, ...] = ()
    slot: int | None = Field(None, ge=1)


class Flow(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str | tuple[str, ...]
    ports: tuple[PortSpec, ...] = Field(min_length=1)

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        # Check the shape here so a wrong type gives one error, not one per union branch.
        if isinstance(value, str):
            return value
        if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ValueError("'to' must be a segment name or a non-empty list of segment names")

    def targets(self) -> tuple[str, ...]:
        return (self.to,) if isinstance(self.to, str) else self.to


class Model(_Frozen):
    name: Label
    clouds: Clouds
    segments: dict[Label, Segment] = Field(min_length=1)
    flows: tuple[Flow, ...] = ()

    @field_validator("segments", mode="before")
    @classmethod
    def _empty_segment_is_allowed(cls, value: object) -> object:
        # `feature-store:` with nothing after it means "a segment with defaults", like `{}`.
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    def placement(self, segment: str) -> tuple[CloudName, ...]:
        """The clouds a segment lives in: its own list, else every declared cloud."""
        chosen = self.segments[segment].clouds
        return chosen if chosen is not None else self.clouds.declared()


def reference_problems(model: Model) -> list[Problem]:
    """Problems that need the whole model: names, placements, overlaps. Never raises."""
    problems: list[Problem] = []
    declared = model.clouds.declared()
    if not declared:
        problems.append(Problem(("clouds",), "no cloud is declared",
                                "add at least one of aws, gcp or azure under clouds"))
    for segment in model.segments:
        long = f"{model.name}-{segment}"
        if len(long) > MAX_RESOURCE_NAME - NAME_SUFFIX_RESERVE:
            limit = MAX_RESOURCE_NAME - NAME_SUFFIX_RESERVE
            problems.append(Problem(
                ("segments", segment),
                f"'{long}' is {len(long)} characters; with bulkhead's suffixes it would exceed "
                f"GCP's {MAX_RESOURCE_NAME}-character names",
                f"shorten the model or segment name to at most {limit} characters together"))
        for i, cloud in enumerate(model.segments[segment].clouds or ()):
            if cloud not in declared:
                problems.append(Problem(
                    ("segments", segment, "clouds", i),
                    f"cloud '{cloud}' is not declared under clouds",
                    f"declare {cloud} under clouds or remove it from this segment"))
    problems += _flow_problems(model)
    problems += _overlap_problems(model)
    return problems


def _flow_problems(model: Model) -> list[Problem]:
    problems: list[Problem] = []
    for i, flow in enumerate(model.flows):
        ends = [(("flows", i, "from"), flow.from_)]
        if isinstance(flow.to, str):
            ends.append((("flows", i, "to"), flow.to))
        else:
            ends += [(("flows", i, "to", j), name) for j, name in enumerate(flow.to)]
        known = True
        for loc, name in ends:
            if name not in model.segments:
                known = False
                problems.append(Problem(
                    loc, f"unknown segment '{name}'",
                    _did_you_mean(name, list(model.segments)) or
                    "declare it under segments or fix the name"))
        if not known:
            continue
        src_clouds = set(model.placement(flow.from_))
        for loc, name in ends[1:]:
            if not src_clouds & set(model.placement(name)):
                problems.append(Problem(
                    loc,
                    f"flow {flow.from_} -> {name} joins segments that share no cloud "
                    f"({', '.join(sorted(src_clouds))} vs "
                    f"{', '.join(model.placement(name))}); cross-cloud flows need an "
                    "interconnect, which bulkhead does not build yet",
                    "place both segments in a common cloud"))
    return problems


def _overlap_problems(model: Model) -> list[Problem]:
    problems: list[Problem] = []
    nets = [(c, getattr(model.clouds, c).cidr) for c in model.clouds.declared()]
    for i, (cloud, net) in enumerate(nets):
        for other, other_net in nets[:i]:
            if net.overlaps(other_net):
                problems.append(Problem(
                    ("clouds", cloud, "cidr"),
                    f"{net} overlaps {other}'s {other_net}",
                    "give every cloud its own range so the networks can be interconnected"))
    return problems


def _did_you_mean(name: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, choices, n=1)
    return f"did you mean '{close[0]}'?" if close else ""
