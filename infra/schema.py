"""The model's JSON Schema (`bulkhead schema`): what `validate` checks, where JSON Schema can say it.

pydantic derives the structure from infra/model.py (keys, types, enums, required, `extra`
forbidden); this module adds what the model checks in Python validators and JSON Schema can
still express: DNS-label patterns for names, region and project forms, the CIDR and port forms,
ranges, non-empty lists, and a description on every property, so editors explain each key as it
is typed. Kept apart from model.py so the model stays readable and a key added there only needs
a line here (a test fails on a property without a description).

What JSON Schema cannot say stays with the loader (tests/test_schema.py lists each case):
references between segments and flows, overlapping ranges, host bits in a CIDR, reversed
port ranges, slots beyond the cloud's range, name lengths summed over model and segment,
per-cloud quotas, duplicate YAML keys, and on a cluster: a segment's Kubernetes keys without
the cluster, overlapping pod selections, a segment over the cluster DNS pods, ICMP, services
without addresses or at overlapping ones.
"""

from __future__ import annotations

from typing import Any

from infra.model import (
    AWS_REGION,
    AZURE_REGION,
    DNS_LABEL,
    GCP_PROJECT,
    GCP_REGION,
    MAX_RESOURCE_NAME,
    RESERVED_ENDPOINTS,
    Model,
)
from infra.model_kubernetes import DNS_SUBDOMAIN, LABEL_NAME, NAMESPACE, RESERVED_NAMESPACES

SCHEMA_ID = "urn:bulkhead:schema:model:1"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# /23 or larger: a /24 is a single slot, and slot 0 is shared infrastructure.
CIDR_PATTERN = rf"^({_OCTET}\.){{3}}{_OCTET}/(2[0-3]|1?[0-9])$"
# 1-65535, leading zeros allowed (the loader reads "0443" as 443); ranges "lo-hi".
_PORT = r"0*([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# The loader lowercases and strips a port spec: `TCP/443 ` is tcp/443.
_TCP_UDP = "([Tt][Cc][Pp]|[Uu][Dd][Pp])"
PORT_PATTERN = rf"^\s*(({_TCP_UDP}/)?{_PORT}(-{_PORT})?|[Ii][Cc][Mm][Pp])\s*$"
PORT_SPEC: dict[str, Any] = {
    "description": 'a port: 443 (tcp), "8000-8100", "udp/53", "tcp/1-65535" or "icmp" (every ICMP type)',
    "anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535}, {"type": "string", "pattern": PORT_PATTERN}],
}
LABEL: dict[str, Any] = {"type": "string", "pattern": DNS_LABEL.pattern, "maxLength": MAX_RESOURCE_NAME}


def _body(pattern: str) -> str:
    return pattern.removeprefix("^").removesuffix("$")


# A cluster's ranges: IPv4 or IPv6, any prefix length (host bits are the loader's to find).
CLUSTER_CIDR: dict[str, Any] = {"type": "string", "anyOf": [
    {"pattern": rf"^({_OCTET}\.){{3}}{_OCTET}/(3[0-2]|[12]?[0-9])$"},
    {"pattern": r"^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$"}]}
# Kubernetes label keys (`prefix/name`) and values, and namespace names, as the API checks them.
POD_LABELS: dict[str, Any] = {
    "type": "object",
    "propertyNames": {"pattern": rf"^({_body(DNS_SUBDOMAIN.pattern)}/)?{_body(LABEL_NAME.pattern)}$"},
    "additionalProperties": {"type": "string", "pattern": rf"^({_body(LABEL_NAME.pattern)})?$"},
}
NAMESPACE_NAME: dict[str, Any] = {"type": "string", "pattern": NAMESPACE.pattern, "maxLength": 63}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "Model": {
        "name": "DNS label (lowercase letters, digits, '-'); the prefix of every resource name",
        "clouds": "the clouds to build a network in; each declared cloud gets its own",
        "segments": "where workloads run, by name (a DNS label); everything between them is denied "
                    "unless a flow allows it",
        "flows": "the only allowed paths between segments; replies are implied (stateful)",
    },
    "Clouds": {
        "aws": "an AWS VPC for the model",
        "gcp": "a GCP VPC network for the model",
        "azure": "an Azure virtual network for the model",
        "kubernetes": "a Kubernetes cluster: each segment is a set of pods, NetworkPolicies are its filters",
    },
    "AwsCloud": {
        "region": "the AWS region of the VPC, e.g. us-east-1",
        "cidr": "the VPC's IPv4 range, /23 or larger, cut into one /24 slot per segment (slot 0 is shared)",
        "zones": "availability zones, one subnet each per segment (1-4)",
    },
    "GcpCloud": {
        "region": "the GCP region of the subnets, e.g. us-central1",
        "cidr": "the network's IPv4 range, /23 or larger, cut into one /24 slot per segment (slot 0 is shared)",
        "project": "the GCP project id the network is built in",
    },
    "AzureCloud": {
        "region": "the Azure region of the virtual network, e.g. eastus",
        "cidr": "the virtual network's IPv4 range, /23 or larger, cut into one /24 slot per segment "
                "(slot 0 is shared)",
    },
    "Segment": {
        "description": "what runs in the segment, for people",
        "clouds": "the clouds the segment is placed in; default every declared cloud",
        "internet": "traffic to and from the internet; none unless listed",
        "services": "cloud services reached through private endpoints (tcp/443)",
        "slot": "a pinned address slot: the segment's /24 in every cloud (1 or more; `bulkhead pin` writes them)",
        "kubernetes": "where the segment's pods are on the cluster: a namespace (default: the segment's name) "
                      "and pod labels (default: every pod of it)",
    },
    "ClusterDns": {
        "namespace": "the namespace of the cluster DNS pods",
        "pods": "the labels of the cluster DNS pods",
    },
    "Internet": {
        "ingress": "ports anyone on the internet may reach in this segment",
        "egress": "ports this segment may reach on the internet (through NAT)",
    },
    "Guardrail": {
        "from": "the segment (or internet) that must never reach the destinations",
        "to": "the segment, internet or service:<name>, or a list of them, it must never reach",
        "ports": "only these ports are forbidden; without ports every protocol and port is",
        "description": "why the guardrail exists, for people",
    },
    "Flow": {
        "from": "the segment that opens the connections",
        "to": "the segment, or list of segments, it may reach (itself only if named)",
        "ports": "the ports it may reach them on",
    },
}


def model_schema() -> dict[str, Any]:
    """The JSON Schema document `bulkhead schema` prints."""
    document = Model.model_json_schema(by_alias=True)
    for name, definition in [("Model", document), *document.get("$defs", {}).items()]:
        _describe(name, definition)
    _constrain(document)
    return {"$schema": DIALECT, "$id": SCHEMA_ID, "title": "bulkhead segmentation model",
            "description": "One zero-trust segmentation model: segments and the only flows allowed between them.",
            **document}


def _describe(name: str, definition: dict[str, Any]) -> None:
    for prop, schema in definition.get("properties", {}).items():
        if "description" not in schema and prop in DESCRIPTIONS.get(name, {}):
            schema["description"] = DESCRIPTIONS[name][prop]
        schema.pop("title", None)  # "Cidr", "Zones": pydantic's echo of the key says nothing


def _constrain(document: dict[str, Any]) -> None:
    defs, top = document["$defs"], document["properties"]
    top["name"].update(LABEL)
    top["segments"]["propertyNames"] = {**LABEL, "not": {"enum": sorted(RESERVED_ENDPOINTS)}}
    # `feature-store:` with nothing after it is a segment with defaults; `flows:` alone is none.
    top["segments"]["additionalProperties"] = {"anyOf": [{"$ref": "#/$defs/Segment"}, {"type": "null"}]}
    top["flows"] = {**top["flows"], "type": ["array", "null"]}
    defs["Clouds"]["minProperties"] = 1
    top["never"]["description"] = ("guardrails a security team owns: paths no flow, internet port or service "
                                   "may open, and that verify and observe report when the cloud opens them")
    defs["Guardrail"]["properties"]["ports"]["anyOf"][0]["items"] = PORT_SPEC
    for cloud, region in (("AwsCloud", AWS_REGION), ("GcpCloud", GCP_REGION), ("AzureCloud", AZURE_REGION)):
        cidr = defs[cloud]["properties"]["cidr"]
        cidr.pop("format", None)  # "ipv4network" is pydantic's, unknown to validators
        cidr["pattern"] = CIDR_PATTERN
        defs[cloud]["properties"]["region"]["pattern"] = region.pattern
    defs["GcpCloud"]["properties"]["project"]["pattern"] = GCP_PROJECT.pattern
    segment = defs["Segment"]["properties"]
    segment["clouds"]["anyOf"][0]["minItems"] = 1
    segment["slot"] = {"description": segment["slot"]["description"], "default": None,
                       "anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535}, {"type": "null"}]}
    for direction in ("ingress", "egress"):
        defs["Internet"]["properties"][direction]["items"] = PORT_SPEC
    flow = defs["Flow"]["properties"]
    flow["ports"]["items"] = PORT_SPEC
    # A flow joins segments; the internet is reached through a segment's own `internet:` key.
    segment_name = {**LABEL, "not": {"enum": sorted(RESERVED_ENDPOINTS)}}
    flow["from"].update(segment_name)
    flow["to"]["anyOf"] = [segment_name, {"type": "array", "items": segment_name, "minItems": 1}]
    _constrain_kubernetes(defs)


def _constrain_kubernetes(defs: dict[str, Any]) -> None:
    cluster = defs["KubernetesCloud"]["properties"]
    for key in ("pod_cidr", "service_cidr"):
        cluster[key]["anyOf"] = [CLUSTER_CIDR, {"type": "null"}]
    cluster["services"]["additionalProperties"] = {"type": "array", "items": CLUSTER_CIDR, "minItems": 1}
    dns = defs["ClusterDns"]["properties"]
    dns["namespace"].update(NAMESPACE_NAME)
    dns["pods"].update(POD_LABELS)
    pick = defs["PodSelection"]["properties"]
    pick["namespace"]["anyOf"] = [{**NAMESPACE_NAME, "not": {"enum": list(RESERVED_NAMESPACES)}}, {"type": "null"}]
    pick["pods"].update(POD_LABELS)
