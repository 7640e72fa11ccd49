"""The user-facing segmentation model (README.md "The model"): exactly these keys, frozen.

Field validation (types, DNS labels, CIDR syntax, port specs) lives on the fields so
pydantic reports every problem with its location; cross-references (unknown segments,
flows between segments that share no cloud, overlapping CIDRs) are in `reference_problems`,
which returns problems instead of raising so the loader can report them all at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from ipaddress import IPv4Network
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from infra.errors import FixableValueError, Problem
from infra.model_kubernetes import KubernetesCloud, PodSelection, kubernetes_problems
from infra.ports import parse_port_spec

CloudName = Literal["aws", "gcp", "azure", "kubernetes"]
CLOUDS: tuple[CloudName, ...] = get_args(CloudName)
ServiceName = Literal[
    "object-storage", "container-registry", "key-management", "logging", "ml-api"
]
SERVICES: tuple[ServiceName, ...] = get_args(ServiceName)

# Checked with fullmatch: `$` also matches before a final newline, so `match` would take "web\n".
# The anchors stay for the JSON Schema (infra/schema.py), where `$` is the end of the text.
DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
# GCP resource names are the strictest (63 chars, RFC 1035). Every resource name is
# `<model>-<segment>-<suffix>`; the longest suffix a provider appends is reserved here so
# a name that validates can always be built.
MAX_RESOURCE_NAME = 63
NAME_SUFFIX_RESERVE = 16


def _dns_label(value: str) -> str:
    if not DNS_LABEL.fullmatch(value):
        rule = "lowercase letters, digits and '-', starting with a letter and not ending with '-'"
        better = label_like(value)
        raise FixableValueError(
            f"{value!r} is not a DNS label",
            f"rename it to '{better}' ({rule})" if better else f"use {rule}")
    return value


def label_like(value: str) -> str:
    """The closest DNS label to a rejected name ('Feature_Store' -> 'feature-store'), or ''."""
    text = re.sub(r"[^a-z0-9]+", "-", value.lower())
    text = re.sub(r"^[^a-z]+", "", text).rstrip("-")
    return text[:63].rstrip("-")


def _port(value: object) -> object:
    # A before-validator, so a bad port gives one error instead of one per union branch;
    # PortSpecError carries its own fix.
    parse_port_spec(value)
    return value


def _non_empty(value: object, what: str, fix: str) -> object:
    # Checked before item validation: pydantic's min_length also fires when items fail.
    if isinstance(value, list | tuple | dict) and not value:
        raise FixableValueError(what, fix)
    return value


def _one_or_many(value: object, fix: str) -> object:
    # Check the shape here so a wrong type gives one error, not one per union branch.
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    what = "an empty list" if isinstance(value, list | tuple) and not value else repr(value)
    raise FixableValueError(f"'to' is {what}", fix)


Label = Annotated[str, AfterValidator(_dns_label)]
PortSpec = Annotated[int | str, BeforeValidator(_port)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


# Region names and project ids as each cloud writes them (checked with fullmatch; the JSON Schema takes
# the same patterns, infra/schema.py). They end up in API calls, resource names, file names of snapshots
# and graphs, so a model names a real-looking region or is refused here, not halfway through a build.
_DIRECTION = "(central|north|south|east|west|northeast|northwest|southeast|southwest)"
# us-east-1, ap-northeast-1, us-gov-west-1, us-isob-east-1, cn-north-1, eusc-de-east-1 (European Sovereign Cloud)
AWS_REGION = re.compile(rf"^([a-z]{{2}}(-gov|-iso[a-z]?)?|eusc-[a-z]{{2}})-{_DIRECTION}-[1-9][0-9]?$")
# us-central1, europe-west4, northamerica-northeast2, me-central2
GCP_REGION = re.compile(rf"^[a-z]+-{_DIRECTION}[1-9][0-9]?$")
# eastus, westeurope, eastus2, southafricanorth, usgovvirginia: the name, not the display name "East US"
AZURE_REGION = re.compile(r"^[a-z][a-z0-9]{1,39}$")
# Resource Manager's rule for a project id: 6-30 characters, a lowercase letter first, then lowercase
# letters, digits and hyphens, not ending with a hyphen.
GCP_PROJECT = re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")


def _region(pattern: re.Pattern[str], cloud: str, form: str, nearest: Callable[[str], str]) -> Callable[[str], str]:
    """A validator of one cloud's region names; `nearest` guesses the region meant (from a zone, say)."""
    def check(value: str) -> str:
        if pattern.fullmatch(value):
            return value
        guess = nearest(value)
        hint = f"did you mean '{guess}'? " if guess and pattern.fullmatch(guess) else ""
        raise FixableValueError(f"{value!r} is not {cloud} region name", f"{hint}a region is written like {form}")
    return check


def _without_zone(value: str) -> str:
    """`us-east-1a` -> `us-east-1`, `us-central1-b` -> `us-central1`: a zone where a region belongs."""
    return re.sub(r"-?[a-z]$", "", value.strip().lower())


def _azure_name(value: str) -> str:
    """`East US` -> `eastus`: the portal's display name where the region's name belongs."""
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _project(value: str) -> str:
    if not GCP_PROJECT.fullmatch(value):
        raise FixableValueError(f"{value!r} is not a GCP project id",
                                "write the project's id, not its display name: 6-30 lowercase letters, digits "
                                "and '-', starting with a letter and not ending with '-', e.g. my-project-123")
    return value


class _CloudBase(_Frozen):
    region: str = Field(min_length=1)
    cidr: IPv4Network

    @field_validator("cidr", mode="before")
    @classmethod
    def _cidr_is_a_network(cls, value: object) -> object:
        if not isinstance(value, str):
            raise FixableValueError(f"{value!r} is not a CIDR", "write it as e.g. 10.10.0.0/16")
        if "/" not in value:
            raise FixableValueError(f"{value!r} has no prefix length",
                                    f"add one, e.g. {value}/16" if _is_address(value) else
                                    "write it as e.g. 10.10.0.0/16")
        try:
            return IPv4Network(value)
        except ValueError:
            pass
        try:
            loose = IPv4Network(value, strict=False)
        except ValueError:
            raise FixableValueError(f"{value!r} is not an IPv4 CIDR", "write it as e.g. 10.10.0.0/16") from None
        raise FixableValueError(f"{value!r} has host bits set", f"did you mean {loose}?")


def _is_address(value: str) -> bool:
    try:
        IPv4Network(value)
    except ValueError:
        return False
    return True


# Numbers and switches are strict: pydantic would read `zones: true` as 1, `slot: "3"` and `slot: 2.0` as
# integers and `baseline_deny: "off"` as false, while YAML 1.2 (docs/model-files.md) makes them a boolean,
# text and a decimal number. A model means what it says or is refused at the key.
class AwsCloud(_CloudBase):
    region: Annotated[str, AfterValidator(_region(AWS_REGION, "an AWS", "us-east-1, eu-west-2 or us-gov-west-1 "
                                                  "(<area>-<direction>-<number>)", _without_zone))]
    zones: int = Field(2, ge=1, le=4, strict=True, description="availability zones, one subnet each")


class GcpCloud(_CloudBase):
    region: Annotated[str, AfterValidator(_region(GCP_REGION, "a GCP", "us-central1 or europe-west4 "
                                                  "(<area>-<direction><number>)", _without_zone))]
    project: Annotated[str, AfterValidator(_project)]


class AzureCloud(_CloudBase):
    region: Annotated[str, AfterValidator(_region(AZURE_REGION, "an Azure", "eastus, westeurope or eastus2 "
                                                  "(lowercase letters and digits, no spaces)", _azure_name))]


class Clouds(_Frozen):
    aws: AwsCloud | None = None
    gcp: GcpCloud | None = None
    azure: AzureCloud | None = None
    kubernetes: KubernetesCloud | None = None

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
    slot: int | None = Field(None, strict=True, json_schema_extra={"minimum": 1})  # strict: see AwsCloud
    kubernetes: PodSelection | None = None  # its namespace and pod labels on a cluster

    @field_validator("clouds", mode="before")
    @classmethod
    def _placed_somewhere(cls, value: object) -> object:
        return _non_empty(value, "an empty clouds list places the segment nowhere",
                          "list at least one cloud, or remove clouds: to place it on every declared cloud")

    @field_validator("slot")
    @classmethod
    def _slot_not_reserved(cls, value: int | None) -> int | None:
        # Only slot 0 is reserved; a negative slot is no slot at all. The top of the range depends on
        # the cloud's cidr, checked with the plan ("has only slots 1-255").
        fix = ("pin a slot of 1 or more (up to the last /24 of the cloud's cidr: 255 in a /16), "
               "or remove slot: and let bulkhead pick")
        if value == 0:
            raise FixableValueError("slot 0 is reserved for shared infrastructure (endpoints, NAT)", fix)
        if value is not None and value < 0:
            raise FixableValueError(f"slot {value} is out of range: slots are numbered from 1", fix)
        return value


class Flow(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str | tuple[str, ...]
    ports: tuple[PortSpec, ...] = Field(json_schema_extra={"minItems": 1})

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return _one_or_many(value, "name a segment, or list segment names: to: [a, b]")

    @field_validator("ports", mode="before")
    @classmethod
    def _some_ports(cls, value: object) -> object:
        return _non_empty(value, "a flow with no ports allows nothing",
                          "list the ports it needs, e.g. ports: [443], or remove the flow")

    def targets(self) -> tuple[str, ...]:
        return (self.to,) if isinstance(self.to, str) else self.to


class Guardrail(_Frozen):
    """`never:` entry: an invariant a security team owns. `from` never reaches any of `to`.

    Endpoints are segments, `internet` (either side) and `service:<name>` (destination only).
    Without `ports` the guardrail forbids every protocol and port. infra/guardrails.py checks
    the model against it (validate) and the cloud (verify, observe).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str | tuple[str, ...]
    ports: tuple[PortSpec, ...] | None = Field(None, json_schema_extra={"minItems": 1})
    description: str = ""

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return _one_or_many(value, "name a segment, internet or service:<name>, or list them: to: [a, internet]")

    @field_validator("ports", mode="before")
    @classmethod
    def _some_ports(cls, value: object) -> object:
        return _non_empty(value, "a guardrail with an empty ports list forbids nothing",
                          "list the ports it forbids, or remove ports: to forbid every port")

    def targets(self) -> tuple[str, ...]:
        return (self.to,) if isinstance(self.to, str) else self.to


class Model(_Frozen):
    name: Label
    clouds: Clouds
    segments: dict[Label, Segment] = Field(json_schema_extra={"minProperties": 1})
    flows: tuple[Flow, ...] = ()
    never: tuple[Guardrail, ...] = ()

    @field_validator("flows", "never", mode="before")
    @classmethod
    def _no_flows(cls, value: object) -> object:
        # `flows:` (or `never:`) with nothing after it is an empty list (everything denied).
        return () if value is None else value

    @field_validator("segments", mode="before")
    @classmethod
    def _empty_segment_is_allowed(cls, value: object) -> object:
        _non_empty(value, "no segment is declared", "declare at least one segment under segments")
        # `feature-store:` with nothing after it means "a segment with defaults", like `{}`.
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    def placement(self, segment: str) -> tuple[CloudName, ...]:
        """The clouds a segment lives in: its own list, else every declared cloud."""
        chosen = self.segments[segment].clouds
        return chosen if chosen is not None else self.clouds.declared()

    def implied_egress(self, cloud: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Paths every segment placed on `cloud` has from the platform itself (a cluster's DNS)."""
        return tuple(getattr(getattr(self.clouds, cloud, None), "implied_egress", ()))


# Endpoint names the reports use besides segments (`service:<name>` cannot be a DNS label).
RESERVED_ENDPOINTS = frozenset({"internet"})


def reference_problems(model: Model, flow_index: Sequence[int] | None = None) -> list[Problem]:
    """Problems that need the whole model: names, placements, overlaps. Never raises.

    `flow_index` gives each flow's position in the file when `model` holds only the valid
    parts of a model that failed validation (the loader still checks those, to report
    every problem at once).
    """
    problems: list[Problem] = []
    declared = model.clouds.declared()
    if not declared:
        problems.append(Problem(("clouds",), "no cloud is declared",
                                "add at least one of aws, gcp, azure or kubernetes under clouds"))
    for segment in model.segments:
        if segment in RESERVED_ENDPOINTS:
            problems.append(Problem(
                ("segments", segment),
                f"'{segment}' is reserved: reports use it for traffic outside the cloud networks",
                f"rename the segment (e.g. '{segment}-zone')", key=True))
        long = f"{model.name}-{segment}"
        if len(long) > MAX_RESOURCE_NAME - NAME_SUFFIX_RESERVE:
            limit = MAX_RESOURCE_NAME - NAME_SUFFIX_RESERVE
            problems.append(Problem(
                ("segments", segment),
                f"'{long}' is {len(long)} characters; with bulkhead's suffixes it would exceed "
                f"GCP's {MAX_RESOURCE_NAME}-character names",
                f"shorten the model and segment names to at most {limit} characters together",
                key=True))
        for i, cloud in enumerate(model.segments[segment].clouds or ()):
            if cloud not in declared:
                problems.append(Problem(
                    ("segments", segment, "clouds", i),
                    f"cloud '{cloud}' is not declared under clouds",
                    f"declare {cloud} under clouds or remove it from this segment"))
    problems += _flow_problems(model, flow_index)
    problems += _overlap_problems(model)
    problems += kubernetes_problems(model, flow_index)
    return problems


def _flow_problems(model: Model, flow_index: Sequence[int] | None) -> list[Problem]:
    problems: list[Problem] = []
    index = range(len(model.flows)) if flow_index is None else flow_index
    for i, flow in zip(index, model.flows, strict=True):
        ends: list[tuple[tuple[str | int, ...], str]] = [(("flows", i, "from"), flow.from_)]
        if isinstance(flow.to, str):
            ends.append((("flows", i, "to"), flow.to))
        else:
            ends += [(("flows", i, "to", j), name) for j, name in enumerate(flow.to)]
        known = True
        for loc, name in ends:
            if name not in model.segments:
                known = False
                problems.append(_unknown_end(model, flow, loc, name))
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


def _unknown_end(model: Model, flow: Flow, loc: tuple[str | int, ...], name: str) -> Problem:
    if name in RESERVED_ENDPOINTS:  # the internet is reached through a segment's own internet: key
        return _internet_end(model, flow, loc)
    return Problem(loc, f"unknown segment '{name}'",
                   _did_you_mean(name, list(model.segments)) or "declare it under segments or fix the name")


def _internet_end(model: Model, flow: Flow, loc: tuple[str | int, ...]) -> Problem:
    ports = ", ".join(str(p) if isinstance(p, int) else f'"{p}"' for p in flow.ports)
    if loc[2] == "from":
        targets = [t for t in flow.targets() if t in model.segments] or ["<segment>"]
        where = " and ".join(f"segments.{t}.internet.ingress" for t in targets)
        return Problem(loc, "the internet is not a flow source: flows join segments",
                       f"list the ports under {where} instead (internet: {{ingress: [{ports}]}})")
    source = flow.from_ if flow.from_ in model.segments else "<segment>"
    return Problem(loc, "the internet is not a flow target: flows join segments",
                   f"list the ports under segments.{source}.internet.egress instead (internet: {{egress: [{ports}]}})")


def _overlap_problems(model: Model) -> list[Problem]:
    problems: list[Problem] = []
    # A cloud whose own settings failed validation has no cidr here (see flow_index above).
    cidrs = [(c, getattr(getattr(model.clouds, c), "cidr", None)) for c in model.clouds.declared()]
    nets = [(c, net) for c, net in cidrs if net is not None]
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
