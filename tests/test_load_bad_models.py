"""Every malformed model in tests/data/bad is reported where it is wrong, with what and the fix.

The expected lines and columns were read off the files by hand (1-based; the column of the
offending key or value). Each case lists every problem the file must produce, in order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.errors import Diagnostic, ModelError
from infra.load import load_model, parse_model
from infra.plan import plan_problems

BAD = Path(__file__).parent / "data" / "bad"

# file -> [(line, column, model path, part of the message, part of the fix)]
CASES: dict[str, list[tuple[int, int, str, str, str]]] = {
    "reserved-segment-name.yaml": [
        (6, 3, "segments.internet", "'internet' is reserved", "rename the segment")],
    "unknown-key-top.yaml": [(8, 1, "flow", "unknown key 'flow'", "did you mean 'flows'?")],
    "unknown-key-cloud.yaml": [(7, 5, "clouds.aws.zone", "unknown key 'zone'", "did you mean 'zones'?")],
    "unknown-key-segment.yaml": [
        (8, 5, "segments.web.service", "unknown key 'service'", "did you mean 'services'?")],
    "unknown-key-internet.yaml": [
        (7, 16, "segments.web.internet.ingres", "unknown key 'ingres'", "did you mean 'ingress'?")],
    "unknown-key-flow.yaml": [
        (9, 5, "flows[0]", "missing required key 'ports'", "add ports:"),
        (9, 26, "flows[0].port", "unknown key 'port'", "did you mean 'ports'?")],
    "duplicate-segment.yaml": [(9, 3, "segments.web", "duplicate key 'web' (first at line 6)", "merge")],
    "duplicate-flow-key.yaml": [(10, 41, "flows[0].to", "duplicate key 'to' (first at line 10)", "merge")],
    "name-uppercase.yaml": [(2, 7, "name", "'Shop' is not a DNS label", "rename it to 'shop'")],
    "segment-name-underscore.yaml": [
        (7, 3, "segments.feature_store", "segment name 'feature_store' is not a DNS label",
         "rename it to 'feature-store'")],
    "segment-name-trailing-dash.yaml": [
        (6, 3, "segments.api-", "segment name 'api-' is not a DNS label", "rename it to 'api'")],
    "segment-name-too-long.yaml": [
        (7, 3, "segments.realtime-recommendations-cache",
         "'ai-platform-production-realtime-recommendations-cache' is 53 characters", "at most 47 characters")],
    "region-not-a-region.yaml": [
        (4, 17, "clouds.aws.region", "'mars-north-9' is not an AWS region name", "like us-east-1, eu-west-2"),
        (5, 17, "clouds.gcp.region", "'us-central1-b' is not a GCP region name", "did you mean 'us-central1'?"),
        (6, 19, "clouds.azure.region", "'East US' is not an Azure region name", "did you mean 'eastus'?")],
    "project-not-an-id.yaml": [
        (4, 58, "clouds.gcp.project", "'My Project' is not a GCP project id", "6-30 lowercase letters")],
    "cidr-not-a-cidr.yaml": [(4, 34, "clouds.aws.cidr", "'10.0.300.0/16' is not an IPv4 CIDR", "10.10.0.0/16")],
    "cidr-host-bits.yaml": [(6, 11, "clouds.aws.cidr", "'10.0.1.0/16' has host bits set", "did you mean 10.0.0.0/16?")],
    "cidr-missing-prefix.yaml": [(4, 34, "clouds.aws.cidr", "'10.0.0.0' has no prefix length", "10.0.0.0/16")],
    "cidr-overlap.yaml": [(5, 36, "clouds.gcp.cidr", "10.0.128.0/17 overlaps aws's 10.0.0.0/16", "own range")],
    "cidr-too-small.yaml": [
        (4, 34, "clouds.aws.cidr", "segment 'api' needs slot 2 but aws's 10.0.0.0/23 has only slots 1-1",
         "widen aws's cidr")],
    "cidr-smaller-than-a-slot.yaml": [
        (4, 34, "clouds.aws.cidr", "10.0.0.0/25 is smaller than two /24 slots", "use a /23 or larger")],
    "flow-unknown-from.yaml": [(9, 11, "flows[0].from", "unknown segment 'wbe'", "did you mean 'web'?")],
    "flow-unknown-to.yaml": [(11, 27, "flows[1].to[1]", "unknown segment 'dbb'", "did you mean 'db'?")],
    "flow-to-internet.yaml": [
        (9, 21, "flows[0].to", "the internet is not a flow target", "under segments.web.internet.egress instead "
         "(internet: {egress: [443]})")],
    "flow-from-internet.yaml": [
        (9, 12, "flows[0].from", "the internet is not a flow source", "under segments.web.internet.ingress and "
         'segments.api.internet.ingress instead (internet: {ingress: [443, "udp/443"]})')],
    "segment-cloud-undeclared.yaml": [
        (7, 19, "segments.web.clouds[1]", "cloud 'gcp' is not declared under clouds", "declare gcp under clouds")],
    "segment-cloud-misspelled.yaml": [
        (8, 19, "segments.web.clouds[1]", "unknown cloud 'azrue'", "did you mean 'azure'?")],
    "segment-clouds-empty.yaml": [
        (6, 17, "segments.web.clouds", "an empty clouds list places the segment nowhere", "remove clouds:")],
    "unknown-service.yaml": [
        (7, 25, "segments.training.services[1]", "unknown service 'object-store'",
         "did you mean 'object-storage'?")],
    "port-zero.yaml": [(9, 34, "flows[0].ports[0]", "port 0 is out of range", "use ports 1-65535")],
    "port-too-high.yaml": [
        (9, 38, "flows[0].ports[1]", "port 65536 in 'tcp/65536' is out of range", "use ports 1-65535")],
    "port-range-reversed.yaml": [
        (9, 34, "flows[0].ports[0]", "range '9000-8000' is reversed", 'write "tcp/8000-9000"')],
    "port-unknown-protocol.yaml": [
        (9, 34, "flows[0].ports[0]", "unknown protocol 'sctp' in 'sctp/5'", 'use tcp/, udp/ or plain "icmp"')],
    "port-text.yaml": [
        (7, 26, "segments.web.internet.ingress[0]", "'https' is not a port spec", 'write 443, "8000-8100"')],
    "port-float.yaml": [(9, 34, "flows[0].ports[0]", "443.5 is a decimal number, not a port", "write 443")],
    "port-bool.yaml": [(7, 25, "segments.web.internet.egress[0]", "True is a boolean, not a port", "write 443")],
    "port-non-ascii-digits.yaml": [  # int() and `\d` take any script's digits; the fourth port is valid
        (9, 34, "flows[0].ports[0]", "'٣٣' is not a port spec", "write the digits as 0-9"),
        (9, 40, "flows[0].ports[1]", "'８০' is not a port spec", "write the digits as 0-9"),
        (9, 46, "flows[0].ports[2]", "'tcp/٤٤٣-٤٤٤' is not a port spec", "write the digits as 0-9")],
    "ports-empty.yaml": [(9, 33, "flows[0].ports", "a flow with no ports allows nothing", "ports: [443]")],
    "flow-to-empty.yaml": [(9, 21, "flows[0].to", "'to' is an empty list", "to: [a, b]")],
    "flow-no-shared-cloud.yaml": [
        (10, 21, "flows[0].to", "flow web -> api joins segments that share no cloud (aws vs gcp)",
         "place both segments in a common cloud")],
    "slot-duplicate.yaml": [
        (7, 15, "segments.api.slot", "slot 3 is already pinned by segment 'web'", "its own slot")],
    "slot-out-of-range.yaml": [
        (7, 11, "segments.web.slot", "needs slot 300 but aws's 10.0.0.0/16 has only slots 1-255",
         "pin a slot below 256")],
    "slot-zero.yaml": [(6, 15, "segments.web.slot", "slot 0 is reserved", "pin a slot of 1 or more")],
    "slot-negative.yaml": [  # only slot 0 is reserved; -1 is no slot at all
        (6, 15, "segments.web.slot", "slot -1 is out of range: slots are numbered from 1", "pin a slot of 1 or more")],
    "clouds-empty.yaml": [
        (3, 9, "clouds", "no cloud is declared", "add at least one of aws, gcp, azure or kubernetes")],
    "clouds-a-list.yaml": [(3, 1, "clouds", "clouds must be a mapping, not a list", "key: value")],
    "segments-empty.yaml": [(5, 11, "segments", "no segment is declared", "declare at least one segment")],
    "missing-name.yaml": [(2, 1, "", "missing required key 'name'", "add name: under the top level")],
    "zones-too-many.yaml": [(4, 54, "clouds.aws.zones", "zones must be at most 4, not 6", "use 4 or less")],
    "empty.yaml": [(1, 1, "", "the file is empty", "examples/minimal.yaml")],
    "only-comments.yaml": [(1, 1, "", "the file is empty", "examples/minimal.yaml")],
    "top-list.yaml": [(2, 1, "", "the top level is a list, not a mapping", "write name:")],
    "top-scalar.yaml": [(2, 1, "", "the top level is a single value, not a mapping", "write name:")],
    "yaml-bad-indentation.yaml": [(8, 4, "", "invalid YAML", "indentation")],
    "yaml-unclosed-bracket.yaml": [(9, 38, "", "a '[' list is not closed", "fix the syntax")],
    "yaml-alias-bomb.yaml": [
        (14, 10, "", "more than 1,000,000 values once aliases are expanded (*f alone repeats 597,871)",
         "aliases of aliases multiply")],
    "yaml-alias-in-own-anchor.yaml": [
        (9, 12, "", "alias *web is inside its own anchor &web", "an anchor that is defined before and outside it")],
    "yaml-nul-byte.yaml": [(6, 27, "", "a NUL byte (U+0000) is not allowed in YAML", "plain UTF-8 text")],
    "yaml-nesting-too-deep.yaml": [(9, 62, "", "nested more than 32 levels deep", "flatten this value")],
    "yaml-sequence-as-key.yaml": [(7, 3, "segments", "a list is used as a mapping key", "a key is a plain name")],
    "yaml-undefined-alias.yaml": [
        (6, 8, "", "invalid YAML: alias *defaults has no anchor &defaults before it", "earlier in the file")],
    "yaml-two-documents.yaml": [(7, 1, "", "invalid YAML: a second document starts here", "one model per file")],
    "yaml-directive-1-1.yaml": [(2, 1, "", "%YAML 1.1: a model is YAML 1.2", "remove the %YAML line")],
    "yaml-lone-surrogate.yaml": [
        (6, 22, "", "U+D800 in this text is not valid Unicode (a lone surrogate", "write the character itself")],
    "yaml-merge-a-list-of-text.yaml": [
        (7, 9, "", "'<<' merges a mapping or a list of mappings", "`<<: *defaults`")],
    "several-problems.yaml": [
        (5, 36, "clouds.gcp.cidr", "10.0.0.0/16 overlaps aws's 10.0.0.0/16", "own range"),
        (9, 5, "segments.web.descripton", "unknown key 'descripton'", "did you mean 'description'?"),
        (10, 3, "segments.Api", "segment name 'Api' is not a DNS label", "rename it to 'api'"),
        (12, 3, "segments.web", "duplicate key 'web' (first at line 7)", "merge"),
        (14, 33, "flows[0].ports[0]", "unknown protocol 'sctp'", "tcp/"),
        (15, 12, "flows[1].from", "unknown segment 'wbe'", "did you mean 'web'?")],
    # Guardrails (never:): the line that opens the traffic, and the guardrail's own line in the message.
    "guardrail-crossed-by-flow.yaml": [
        (9, 5, "flows[0]", "flow recommendations -> payments allows tcp/8443, but 'recommendations never reaches "
         "payments on tcp/8000-9000: PCI scope' says guardrail never[0] (at {file}:11:5)", "owners of never[0]")],
    "guardrail-crossed-by-internet.yaml": [
        (7, 24, "segments.training.internet.egress", "internet egress of training allows tcp/443, but 'training "
         "never reaches internet' says guardrail never[0] (at {file}:11:5)", "remove that traffic here"),
        (9, 25, "segments.admin.internet.ingress", "internet ingress of admin allows tcp/22, but 'internet never "
         "reaches admin on tcp/22' says guardrail never[1] (at {file}:12:5)", "owners of never[1]")],
    "guardrail-crossed-by-service.yaml": [
        (7, 32, "segments.training.services[1]", "service ml-api of training allows tcp/443, but 'training never "
         "reaches service:ml-api' says guardrail never[0] (at {file}:9:5)", "remove that traffic here")],
    "guardrail-unknown-endpoints.yaml": [
        (9, 12, "never[0].from", "unknown segment 'trainig'", "did you mean 'training'?"),
        (10, 27, "never[1].to[0]", "unknown segment 'paymnets'", "did you mean 'payments'?"),
        (10, 37, "never[1].to[1]", "unknown service 'object-store'", "did you mean 'service:object-storage'?"),
        (10, 59, "never[1].to[2]", "unknown segment 'internt'", "did you mean 'internet'?"),
        (11, 12, "never[2].from", "a service only answers", "name the segment"),
        (12, 26, "never[3].to", "from the internet to the internet guards nothing", "name a segment")],
    "guardrail-unknown-key.yaml": [
        (9, 5, "flows[0]", "flow web -> db allows tcp/5432, but 'web never reaches db' says guardrail never[1] "
         "(at {file}:12:5)", "owners of never[1]"),
        (11, 25, "never[0].port", "unknown key 'port'", "did you mean 'ports'?")],
}
# Quota problems are counted by the provider; their files are checked by the tests below.
QUOTA_FILES = {"quota-aws-sg-ingress.yaml", "quota-aws-nacl.yaml"}


def problems_of(path: Path) -> list[Diagnostic]:
    """Everything `bulkhead validate` checks: the loader, then addressing and quotas."""
    try:
        loaded = load_model(path)
    except ModelError as exc:
        return exc.diagnostics
    problems = plan_problems(loaded.model)
    return loaded.source.fail(problems).diagnostics if problems else []


def test_the_bad_models_cover_at_least_thirty_files_and_each_has_an_expectation():
    files = {p.name for p in BAD.glob("*.yaml")}
    assert len(files) >= 30
    assert files == set(CASES) | QUOTA_FILES


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_bad_model_is_reported_at_its_line_with_what_is_wrong_and_the_fix(name, parser):
    found = problems_of(BAD / name)
    expected = CASES[name]
    assert [(d.line, d.column, d.path) for d in found] == [(line, col, path) for line, col, path, _, _ in expected]
    for diagnostic, (_, _, _, what, fix) in zip(found, expected, strict=True):
        assert diagnostic.file == str(BAD / name)
        assert what.replace("{file}", str(BAD / name)) in diagnostic.message
        assert fix in diagnostic.fix


def test_one_file_with_several_problems_reports_all_of_them_sorted_by_line():
    found = problems_of(BAD / "several-problems.yaml")
    lines = [d.line for d in found]
    assert lines == sorted(lines)
    # one of each stage: a duplicate key, schema errors, and cross-references among the valid parts
    assert {5, 9, 10, 12, 14, 15} <= set(lines)


def test_a_segment_over_the_aws_security_group_ingress_quota_is_named_with_its_count():
    found = problems_of(BAD / "quota-aws-sg-ingress.yaml")
    ingress = [d for d in found if "security group ingress rules" in d.message]
    assert [(d.line, d.column, d.path) for d in ingress] == [(7, 3, "segments.db")]
    # 61 separate ports from one peer cannot be fewer than 61 rules
    count = int(re.search(r"\bdb needs (\d+) security group ingress rules", ingress[0].message).group(1))
    assert count >= 61
    assert "limit of 60" in ingress[0].message
    assert "merge port ranges" in ingress[0].fix


def test_a_segment_over_the_aws_network_acl_quota_is_named_with_its_count():
    found = problems_of(BAD / "quota-aws-nacl.yaml")
    inbound = [d for d in found if "network ACL inbound entries" in d.message]
    assert [(d.line, d.column, d.path) for d in inbound] == [(7, 3, "segments.db")]
    # 20 separate ports plus the default deny
    count = int(re.search(r"\bdb needs (\d+) network ACL inbound entries", inbound[0].message).group(1))
    assert count >= 21
    assert "limit of 20" in inbound[0].message
    assert not [d for d in found if "security group" in d.message]  # 20 rules fit the 60 allowed


def test_a_file_that_does_not_exist_is_a_problem_not_a_crash():
    path = BAD / "no-such-model.yaml"
    with pytest.raises(ModelError) as caught:
        load_model(path)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == (str(path), 1, 1)
    assert "does not exist" in diagnostic.message


def test_a_directory_or_a_binary_file_is_a_problem_not_a_crash(tmp_path):
    binary = tmp_path / "model.yaml"
    binary.write_bytes(b"name: \xff\xfe\x00shop\n")
    for path in (tmp_path, binary):
        with pytest.raises(ModelError) as caught:
            load_model(path)
        assert "cannot read" in caught.value.diagnostics[0].message


def test_a_diagnostic_reads_file_line_column_path_what_and_fix():
    with pytest.raises(ModelError) as caught:
        parse_model("name: shop\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\nsegments: {Web: {}}\n",
                    "m.yaml")
    assert str(caught.value) == (
        "m.yaml:3:12: segments.Web: segment name 'Web' is not a DNS label; rename it to 'web' "
        "(lowercase letters, digits and '-', starting with a letter and not ending with '-')")


def test_an_unknown_key_with_nothing_close_lists_the_allowed_keys():
    text = "name: shop\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\nsegments:\n  web: {color: blue}\n"
    with pytest.raises(ModelError) as caught:
        parse_model(text)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.message == "unknown key 'color'"
    assert diagnostic.fix == "allowed keys here: description, clouds, internet, services, slot, kubernetes"


def test_a_segment_without_a_body_and_flows_without_entries_are_allowed():
    text = "name: shop\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\nsegments:\n  web:\nflows:\n"
    loaded = parse_model(text)
    assert list(loaded.model.segments) == ["web"]
    assert loaded.model.flows == ()


def test_a_number_where_text_is_expected_names_the_field_and_the_value():
    text = "name: 42\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16, zones: two}}\nsegments: {web: {}}\n"
    with pytest.raises(ModelError) as caught:
        parse_model(text)
    messages = [(d.path, d.message) for d in caught.value.diagnostics]
    assert messages == [("name", "name must be text, not a number (42)"),
                        ("clouds.aws.zones", "zones must be a whole number, not text ('two')")]


def test_a_yaml_tag_that_cannot_be_built_is_a_syntax_problem(parser):
    with pytest.raises(ModelError) as caught:
        parse_model("name: !secret shop\n")
    [tag] = [d for d in caught.value.diagnostics if "invalid YAML" in d.message]
    assert (tag.line, tag.column, tag.message) == (1, 7, "invalid YAML: unknown tag '!secret'")


@pytest.mark.parametrize("directive", ["%YAML 1.2\n---\n", "# a comment first\n%YAML 1.2\n---\n", ""])
def test_a_yaml_1_2_directive_or_none_is_read_and_a_percent_in_a_value_is_text(directive, parser):
    model = directive + 'name: shop\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\nsegments:\n  web:\n' \
        '    description: "%YAML 1.1"\n  db:\n    description: |\n      %YAML 1.0\n'
    segments = parse_model(model).model.segments
    assert (segments["web"].description, segments["db"].description) == ("%YAML 1.1", "%YAML 1.0\n")


@pytest.mark.parametrize("version", ["1.1", "1.0", "2.0", "1.3"])
def test_a_yaml_directive_of_another_version_is_refused_at_its_line(version, parser):
    with pytest.raises(ModelError) as caught:
        parse_model(f"# shop\n\n%YAML {version}\n---\nname: shop\n")
    [problem] = caught.value.diagnostics
    assert (problem.line, problem.column) == (3, 1)
    assert problem.message == f"%YAML {version}: a model is YAML 1.2, whatever a directive says"


@pytest.mark.parametrize(("written", "read"), [
    ("'\\ud800'", "\\ud800"),  # single-quoted: a backslash and text, no escape
    ("\\ud800", "\\ud800"),  # plain: the same
    ('"\\U0001F600 \\u00e9"', "\U0001F600 \u00e9"),  # escapes of whole characters
])
def test_text_that_only_looks_like_a_surrogate_escape_and_whole_characters_are_read(written, read, parser):
    model = f"name: shop\nclouds: {{aws: {{region: us-east-1, cidr: 10.0.0.0/16}}}}\nsegments:\n  web:\n" \
            f"    description: {written}\n"
    assert parse_model(model).model.segments["web"].description == read


NEWLINE_MODEL = """name: {name}
clouds: {{aws: {{region: us-east-1, cidr: 10.0.0.0/16}}, kubernetes: {{cluster: prod}}}}
segments:
  {segment}: {{kubernetes: {{namespace: {namespace}, pods: {{{key}: {value}}}}}}}
"""
NEWLINE_CASES = {  # which value ends in a newline -> where it is reported, and what is said
    "name": ("name", "'shop\\n' is not a DNS label"),
    "segment": ("segments.web\\n", "segment name 'web\\n' is not a DNS label"),
    "namespace": ("segments.web.kubernetes.namespace", "'ns\\n' is not a namespace name"),
    "key": ("segments.web.kubernetes.pods.app\\n", "label key 'app\\n' is not a Kubernetes label name"),
    "value": ("segments.web.kubernetes.pods.app", "label value 'x\\n' is not a Kubernetes label value"),
}


def _newline_model(trailing: str) -> str:
    plain = {"name": "shop", "segment": "web", "namespace": "ns", "key": "app", "value": "x"}
    # A double-quoted YAML "\n" is a real newline at the end of the value.
    return NEWLINE_MODEL.format(**{k: f'"{v}\\n"' if k == trailing else v for k, v in plain.items()})


def test_names_namespaces_and_labels_without_a_trailing_newline_are_valid():
    assert parse_model(_newline_model("")).model.name == "shop"


@pytest.mark.parametrize("trailing", sorted(NEWLINE_CASES))
def test_a_name_namespace_or_label_ending_in_a_newline_is_refused_where_it_is_written(trailing):
    # `$` in a pattern also matches before a final newline: the checks must match the whole value.
    with pytest.raises(ModelError) as caught:
        parse_model(_newline_model(trailing))
    path, what = NEWLINE_CASES[trailing]
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.path, diagnostic.line) == (path, 1 if trailing == "name" else 4)
    assert what in diagnostic.message
    assert "\n" not in str(diagnostic)  # one line per problem, the newline shown escaped


STRICT_MODEL = """name: shop
clouds:
  aws: {{region: us-east-1, cidr: 10.0.0.0/16, zones: {zones}}}
  kubernetes: {{cluster: prod, baseline_deny: {baseline_deny}}}
segments:
  web: {{slot: {slot}}}
"""
STRICT_KEYS = {"zones": (3, "clouds.aws.zones"), "baseline_deny": (4, "clouds.kubernetes.baseline_deny"),
               "slot": (6, "segments.web.slot")}
VALID = {"zones": "2", "baseline_deny": "true", "slot": "3"}


@pytest.mark.parametrize("key, written, kind", [
    ("zones", "true", "a boolean (True)"), ("zones", '"2"', "text ('2')"), ("zones", "2.0", "a decimal number (2.0)"),
    ("slot", "2.0", "a decimal number (2.0)"), ("slot", "true", "a boolean (True)"), ("slot", '"3"', "text ('3')"),
    ("baseline_deny", "yes", "text ('yes')"), ("baseline_deny", "on", "text ('on')"),
    ("baseline_deny", '"t"', "text ('t')"), ("baseline_deny", "1", "a number (1)"),
    ("baseline_deny", "off", "text ('off')"), ("baseline_deny", "n", "text ('n')")])
def test_a_number_or_switch_of_another_type_is_refused_at_its_key_not_converted(key, written, kind):
    # YAML 1.2 reads yes/on/off as text (docs/model-files.md); pydantic alone would make them booleans.
    with pytest.raises(ModelError) as caught:
        parse_model(STRICT_MODEL.format(**{**VALID, key: written}))
    [diagnostic] = caught.value.diagnostics
    line, path = STRICT_KEYS[key]
    assert (diagnostic.line, diagnostic.path) == (line, path)
    expected = "true or false" if key == "baseline_deny" else "a whole number"
    assert diagnostic.message == f"{key} must be {expected}, not {kind}"
    assert diagnostic.fix.startswith(f"write {expected}")
    assert "examples/" not in diagnostic.fix  # no pointer to an example that may not show the key


@pytest.mark.parametrize("zones, baseline_deny, slot", [("1", "false", "1"), ("4", "true", "255"), ("2", "false", "7")])
def test_whole_numbers_and_true_or_false_stay_valid(zones, baseline_deny, slot):
    model = parse_model(STRICT_MODEL.format(zones=zones, baseline_deny=baseline_deny, slot=slot)).model
    assert model.clouds.aws is not None and model.clouds.kubernetes is not None
    assert (model.clouds.aws.zones, model.clouds.kubernetes.baseline_deny, model.segments["web"].slot) == (
        int(zones), baseline_deny == "true", int(slot))
