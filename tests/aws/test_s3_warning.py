"""validate warns, on AWS only, of the S3 ports a segment with object-storage reaches beyond tcp/443.

The rule (providers/aws/build/risks.py): internet egress on anything but tcp/443 plus
object-storage on aws. The random-model property in tests/verify/test_aws_end_to_end.py checks
that verify reports exactly the warned ports on a deployed account; here, the rule and each of
its negations.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.load import parse_model
from infra.ports import PortSet
from infra.risks import provider_warnings
from providers.aws.build.risks import s3_beyond_https

CLOUDS = ("clouds:\n  aws: {region: us-east-1, cidr: 10.0.0.0/16}\n"
          "  gcp: {region: us-central1, cidr: 10.1.0.0/16, project: shop-project}\n")


def _model(segment: str):
    return parse_model(f"name: m\n{CLOUDS}segments:\n  t: {segment}\n  other: {{}}\n").model


@pytest.mark.parametrize("segment, first, expected", [
    ("{internet: {egress: [80]}, services: [object-storage]}", 0, {"tcp": PortSet.single(80)}),
    ("{internet: {egress: [443, \"udp/123\"]}, services: [object-storage]}", 1, {"udp": PortSet.single(123)}),
    ("{internet: {egress: [\"tcp/1-65535\"]}, services: [object-storage, logging]}", 0,
     {"tcp": PortSet(((1, 442), (444, 65535)))}),
    ("{internet: {egress: [443, 8080, icmp]}, services: [object-storage], clouds: [aws]}", 1,
     {"tcp": PortSet.single(8080), "icmp": PortSet.full("icmp")}),
])
def test_object_storage_with_internet_egress_beyond_443_is_warned_with_exactly_those_ports(segment, first, expected):
    assert s3_beyond_https(_model(segment)) == {"t": (first, expected)}


@pytest.mark.parametrize("segment", [
    "{internet: {egress: [443]}, services: [object-storage]}",          # HTTPS only: what S3 is for
    "{services: [object-storage]}",                                      # no internet at all
    "{internet: {egress: [80, \"udp/53\"]}, services: [container-registry, logging]}",  # no S3
    "{internet: {egress: [80]}, services: [object-storage], clouds: [gcp]}",  # not on aws
    "{internet: {ingress: [80]}, services: [object-storage]}",           # ingress is not the case
])
def test_no_warning_when_any_part_of_the_rule_is_missing(segment):
    model = _model(segment)
    assert s3_beyond_https(model) == {}
    assert provider_warnings(model, ["aws", "gcp"]) == []


def test_validate_prints_it_as_one_located_warning_and_exits_0(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text(f"name: m\n{CLOUDS}segments:\n  t:\n    internet: {{egress: [443, 80]}}\n"
                     "    services: [object-storage]\n")
    result = CliRunner().invoke(app, ["validate", str(model)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{model}:7:")
    assert "segments.t.internet.egress[1]: warning: on aws, t will also reach S3 (tcp/80)" in lines[0]
    assert "1 warning(s)" in result.stdout
