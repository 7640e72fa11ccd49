"""`bulkhead schema`: a JSON Schema that agrees with the loader on every model of the suite.

Every good model validates; every bad model is rejected by the schema, unless it is listed
below with the reason JSON Schema cannot see the mistake (the loader still reports it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from infra.cli import app
from infra.errors import FixableValueError
from infra.model import Model
from infra.ports import parse_port_spec
from infra.schema import CIDR_PATTERN, PORT_PATTERN, model_schema

ROOT = Path(__file__).parent.parent
GOOD = sorted([*(ROOT / "examples").glob("*.yaml"), *(ROOT / "tests" / "data" / "models").glob("*.yaml")])
BAD_DIR = ROOT / "tests" / "data" / "bad"
BAD = sorted([*BAD_DIR.glob("*.yaml"), *BAD_DIR.glob("kubernetes/*.yaml")])


def bad_name(path: Path) -> str:
    """`port-too-high.yaml`, `kubernetes/icmp-flow.yaml`: the file under tests/data/bad."""
    return path.relative_to(BAD_DIR).as_posix()


ONLY_THE_LOADER = {
    "cidr-host-bits.yaml": "host bits depend on the prefix length: a pattern per length is not worth it",
    "cidr-overlap.yaml": "compares the ranges of two clouds",
    "cidr-too-small.yaml": "the range needs one slot per segment: depends on how many segments there are",
    "duplicate-flow-key.yaml": "YAML keeps one of two duplicate keys; the schema sees only the survivor",
    "duplicate-segment.yaml": "YAML keeps one of two duplicate keys; the schema sees only the survivor",
    "flow-no-shared-cloud.yaml": "needs the placements of both segments of a flow",
    "flow-unknown-from.yaml": "a reference to a segment declared elsewhere in the document",
    "flow-unknown-to.yaml": "a reference to a segment declared elsewhere in the document",
    "guardrail-crossed-by-flow.yaml": "compares a flow with a guardrail declared elsewhere in the document",
    "guardrail-crossed-by-internet.yaml": "compares a segment's internet ports with a guardrail",
    "guardrail-crossed-by-service.yaml": "compares a segment's services with a guardrail",
    "guardrail-unknown-endpoints.yaml": "a reference to segments declared elsewhere in the document",
    "port-range-reversed.yaml": "compares the two numbers of one string",
    "quota-aws-nacl.yaml": "a per-cloud quota of the planned rules",
    "quota-aws-sg-ingress.yaml": "a per-cloud quota of the planned rules",
    "segment-cloud-undeclared.yaml": "a reference to the clouds declared elsewhere in the document",
    "segment-name-too-long.yaml": "the limit is on the model's and the segment's names together",
    "slot-duplicate.yaml": "uniqueness of a value across all segments",
    "slot-out-of-range.yaml": "the number of slots depends on the cloud's range",
    "kubernetes/icmp-flow.yaml": "icmp is refused only between segments placed on a cluster",
    "kubernetes/not-on-the-cluster.yaml": "compares a segment's keys with its placement and the declared clouds",
    "kubernetes/overlapping-pods.yaml": "compares the pod selections of segments sharing a namespace",
    "kubernetes/service-cidrs-overlap.yaml": "compares the ranges of two services",
    "kubernetes/dns-namespace-of-a-segment.yaml": "compares a segment's namespace with the cluster DNS setting",
    "kubernetes/dns-pods-selected.yaml": "compares a segment's pod selection with the cluster DNS setting",
    "kubernetes/service-without-cidrs.yaml": "a reference to the services given addresses elsewhere in the document",
}
# The YAML layer rejects them before any schema could look (syntax, aliases, limits, tags).
NOT_YAML = {bad_name(p) for p in BAD if p.name.startswith("yaml-")}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = model_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(validator, path: Path) -> list[str]:
    return [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))]


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_every_good_model_of_the_suite_is_valid_under_the_schema(validator, path):
    assert _errors(validator, path) == []


@pytest.mark.parametrize("path", [p for p in BAD if bad_name(p) not in ONLY_THE_LOADER and bad_name(p) not in NOT_YAML],
                         ids=bad_name)
def test_the_schema_rejects_every_bad_model_it_can_see(validator, path):
    assert _errors(validator, path)


@pytest.mark.parametrize("name", sorted(ONLY_THE_LOADER))
def test_a_mistake_listed_as_loader_only_is_indeed_invisible_to_the_schema(validator, name):
    # If the schema learns to catch one, it leaves the list (and the reason goes with it).
    assert _errors(validator, BAD_DIR / name) == []


def test_the_lists_name_only_files_of_the_suite():
    assert set(ONLY_THE_LOADER) | NOT_YAML <= {bad_name(p) for p in BAD}


def _properties(node: object, where: str = "") -> list[tuple[str, dict]]:
    found: list[tuple[str, dict]] = []
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            found.append((f"{where}.{key}", value))
        for key, value in node.items():
            found += _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for item in node:
            found += _properties(item, where)
    return found


def test_every_property_has_a_description_and_the_document_an_id():
    schema = model_schema()
    assert schema["$id"] and schema["$schema"].endswith("2020-12/schema")
    missing = [where for where, prop in _properties(schema) if not prop.get("description")]
    assert missing == []


def test_the_schema_command_prints_the_same_document():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == model_schema()


PORT_SAMPLES = ["443", "1", "65535", "0443", "tcp/80", "TCP/80", "udp/53", "Udp/1-65535", " 443 ", "icmp", "ICMP",
                "8000-8100", "0", "65536", "tcp/0", "udp/70000", "sctp/5", "https", "icmp/8", "tcp/", "-5", "1-",
                "tcp/1-65536", "80-70", "tcp80", "", "1 - 2"]


@pytest.mark.parametrize("spec", PORT_SAMPLES)
def test_the_port_pattern_accepts_a_string_exactly_when_the_loader_does_except_reversed_ranges(spec):
    try:
        parse_port_spec(spec)
        loader = True
    except FixableValueError as exc:
        loader = "reversed" in str(exc)  # the one string mistake left to the loader
    assert bool(re.search(PORT_PATTERN, spec)) == loader


@pytest.mark.parametrize("cidr, ok", [
    ("10.0.0.0/16", True), ("10.0.0.0/23", True), ("0.0.0.0/8", True), ("10.0.0.0/24", False),
    ("10.0.300.0/16", False), ("10.0.0.0", False), ("10.0.0/16", False), ("10.0.0.0/33", False),
])
def test_the_cidr_pattern_takes_ipv4_ranges_of_a_23_or_larger(cidr, ok):
    assert bool(re.search(CIDR_PATTERN, cidr)) == ok


LABEL_KEYS = ["app", "app.kubernetes.io/name", "k8s-app", "a_b.c", "x" * 63, "x" * 64, "-app", "app-", "App",
              "example.com/tier", "Example.com/tier", "/tier", "a/b/c", "tier name", "", "a" * 10 + "/" + "b"]
LABEL_VALUES = ["web", "", "v1.2_3", "-web", "web-", "x" * 63, "x" * 64, "two words", "é"]


@pytest.mark.parametrize("key", LABEL_KEYS)
@pytest.mark.parametrize("value", LABEL_VALUES)
def test_the_pod_label_patterns_accept_a_label_exactly_when_the_loader_does(validator, key, value):
    model = {"name": "shop", "clouds": {"kubernetes": {"cluster": "prod"}},
             "segments": {"web": {"kubernetes": {"pods": {key: value}}}}}
    try:
        Model.model_validate(model)
        loader = True
    except ValidationError:
        loader = False
    assert (not list(validator.iter_errors(model))) == loader
