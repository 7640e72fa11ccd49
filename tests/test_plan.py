"""The planner's allowed paths, and the plan/graph/schema commands that show them.

Expected paths are written out by hand from the YAML (examples/ai-platform.yaml and small
inline models), never computed with the planner.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML
from typer.main import get_command
from typer.testing import CliRunner

from infra.cli import app
from infra.load import load_model, parse_model
from infra.plan import Path as PlanPath
from infra.plan import make_plan
from infra.ports import PortSet

EXAMPLES = Path(__file__).parents[1] / "examples"
AI = EXAMPLES / "ai-platform.yaml"
MINIMAL = EXAMPLES / "minimal.yaml"


def p(src: str, dst: str, protocol: str, *ranges: tuple[int, int]) -> PlanPath:
    return PlanPath(src, dst, protocol, PortSet(tuple(ranges)))  # type: ignore[arg-type]


def plan_of(text: str):
    return make_plan(parse_model(text).model)


@pytest.fixture(scope="module")
def ai_plan():
    return make_plan(load_model(AI).model)


def test_azure_gets_exactly_the_paths_among_the_segments_placed_there(ai_plan):
    # azure holds edge, feature-store, model-registry, notebooks and monitoring
    assert set(ai_plan.cloud("azure").paths) == {
        p("internet", "edge", "tcp", (443, 443)),
        p("notebooks", "feature-store", "tcp", (6379, 6379)),
        p("notebooks", "model-registry", "tcp", (443, 443)),
        p("monitoring", "feature-store", "tcp", (9100, 9100)),
        p("monitoring", "feature-store", "udp", (8125, 8125)),
        p("monitoring", "feature-store", "icmp", (0, 255)),
        p("model-registry", "service:object-storage", "tcp", (443, 443)),
        p("model-registry", "service:key-management", "tcp", (443, 443)),
        p("monitoring", "service:logging", "tcp", (443, 443)),
    }


def test_serving_on_aws_has_its_flows_internet_egress_and_services(ai_plan):
    touching = {x for x in ai_plan.cloud("aws").paths if "serving" in (x.src, x.dst)}
    assert touching == {
        p("edge", "serving", "tcp", (8080, 8080)),
        p("serving", "feature-store", "tcp", (6379, 6379)),
        p("serving", "vector-db", "tcp", (6333, 6334)),  # 6333 and "tcp/6334" merge into one range
        p("serving", "model-registry", "tcp", (443, 443)),
        p("serving", "internet", "tcp", (443, 443)),
        p("serving", "service:container-registry", "tcp", (443, 443)),
        p("serving", "service:logging", "tcp", (443, 443)),
        p("monitoring", "serving", "tcp", (9100, 9100)),
        p("monitoring", "serving", "udp", (8125, 8125)),
        p("monitoring", "serving", "icmp", (0, 255)),
    }


def test_training_on_gcp_talks_to_itself_only_because_a_flow_names_it_on_both_sides(ai_plan):
    paths = ai_plan.cloud("gcp").paths
    assert p("training", "training", "tcp", (1024, 65535)) in paths
    assert [x for x in paths if x.src == x.dst] == [p("training", "training", "tcp", (1024, 65535))]
    outbound = {x for x in paths if x.src == "training"}
    assert outbound == {
        p("training", "training", "tcp", (1024, 65535)),
        p("training", "feature-store", "tcp", (6379, 6379)),
        p("training", "model-registry", "tcp", (443, 443)),
        p("training", "service:object-storage", "tcp", (443, 443)),
        p("training", "service:container-registry", "tcp", (443, 443)),
        p("training", "service:ml-api", "tcp", (443, 443)),
    }


def test_a_segment_placed_on_some_clouds_appears_only_there(ai_plan):
    placed = {cp.cloud: set(cp.segment_names()) for cp in ai_plan.clouds}
    assert placed == {
        "aws": {"edge", "serving", "training", "feature-store", "vector-db", "model-registry", "notebooks",
                "monitoring"},
        "gcp": {"edge", "serving", "training", "feature-store", "vector-db", "model-registry", "monitoring"},
        "azure": {"edge", "feature-store", "model-registry", "notebooks", "monitoring"},
    }
    assert not [x for x in ai_plan.cloud("gcp").paths if "notebooks" in (x.src, x.dst)]
    assert not [x for x in ai_plan.cloud("azure").paths if "serving" in (x.src, x.dst)]


def test_the_example_pinned_slots_give_the_subnets_written_in_the_model(ai_plan):
    aws = ai_plan.cloud("aws")
    assert str(aws.reserved) == "10.10.0.0/24"
    notebooks = aws.placement("notebooks")
    assert (notebooks.slot, str(notebooks.block)) == (8, "10.10.8.0/24")
    assert [str(s) for s in notebooks.subnets] == ["10.10.8.0/26", "10.10.8.64/26"]  # zones: 2
    assert [str(s) for s in ai_plan.cloud("azure").placement("monitoring").subnets] == ["10.30.7.0/24"]


SMALL = """\
name: shop
clouds: {{aws: {{region: us-east-1, cidr: 10.0.0.0/16}}}}
segments: {{a: {{}}, b: {{}}, c: {{}}}}
flows:
{flows}
"""


def test_a_to_list_becomes_one_path_per_target():
    plan = plan_of(SMALL.format(flows="  - {from: a, to: [b, c], ports: [22]}"))
    assert plan.cloud("aws").paths == (p("a", "b", "tcp", (22, 22)), p("a", "c", "tcp", (22, 22)))


def test_port_ranges_merge_per_protocol_across_flows():
    flows = ('  - {from: a, to: b, ports: ["8000-8100", 8050, "udp/53"]}\n'
             '  - {from: a, to: b, ports: [8101, 9000, "udp/54", icmp]}')
    assert plan_of(SMALL.format(flows=flows)).cloud("aws").paths == (
        p("a", "b", "tcp", (8000, 8101), (9000, 9000)),
        p("a", "b", "udp", (53, 54)),
        p("a", "b", "icmp", (0, 255)),
    )


def test_no_flow_means_no_path_not_even_inside_a_segment():
    plan = plan_of(SMALL.format(flows="  - {from: a, to: b, ports: [80]}"))
    assert plan.cloud("aws").paths == (p("a", "b", "tcp", (80, 80)),)
    assert plan_of(SMALL.format(flows="  []")).cloud("aws").paths == ()


def test_internet_ingress_egress_and_services_each_give_paths():
    text = ("name: shop\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\nsegments:\n"
            "  a: {internet: {ingress: [443, 80], egress: [\"udp/123\"]}, services: [ml-api, logging]}\n")
    assert plan_of(text).cloud("aws").paths == (
        p("a", "internet", "udp", (123, 123)),
        p("a", "service:logging", "tcp", (443, 443)),
        p("a", "service:ml-api", "tcp", (443, 443)),
        p("internet", "a", "tcp", (80, 80), (443, 443)),
    )


# --- the commands -------------------------------------------------------------------------


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_plan_json_lists_subnets_paths_and_quotas_per_cloud():
    result = run("plan", str(MINIMAL), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["model"] == "minimal"
    [aws] = document["clouds"]
    assert (aws["cloud"], aws["region"], aws["cidr"], aws["reserved"]) == (
        "aws", "us-east-1", "10.0.0.0/16", "10.0.0.0/24")
    assert aws["segments"] == [
        {"segment": "web", "slot": 1, "block": "10.0.1.0/24", "subnets": ["10.0.1.0/24"]},
        {"segment": "api", "slot": 2, "block": "10.0.2.0/24", "subnets": ["10.0.2.0/24"]},
    ]
    assert aws["paths"] == [
        {"src": "internet", "dst": "web", "protocol": "tcp", "ports": [[443, 443]]},
        {"src": "web", "dst": "api", "protocol": "tcp", "ports": [[8080, 8080]]},
    ]
    assert aws["quotas"]
    for quota in aws["quotas"]:
        assert set(quota) == {"scope", "quota", "used", "limit"}
        assert quota["used"] <= quota["limit"]


def test_plan_for_one_cloud_shows_only_that_cloud_and_an_undeclared_cloud_is_bad_input():
    document = json.loads(run("plan", str(AI), "--cloud", "azure", "--format", "json").stdout)
    assert [c["cloud"] for c in document["clouds"]] == ["azure"]
    result = run("plan", str(MINIMAL), "--cloud", "gcp")
    assert result.exit_code == 2
    assert "cloud 'gcp' is not declared" in result.stderr


def test_plan_table_shows_each_segment_with_its_subnets_and_paths():
    result = run("plan", str(MINIMAL))
    assert result.exit_code == 0
    for text in ("web", "api", "10.0.1.0/24", "10.0.2.0/24", "internet tcp/443", "api tcp/8080", "quota"):
        assert text in result.stdout


def test_graph_mermaid_groups_segments_by_cloud_and_labels_the_flows():
    result = run("graph", str(MINIMAL))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  subgraph aws["aws us-east-1 10.0.0.0/16"]' in lines
    assert '  internet -->|"tcp/443"| aws_web' in lines
    assert '  aws_web -->|"tcp/8080"| aws_api' in lines


def test_graph_mermaid_edges_only_join_declared_nodes_on_the_example():
    lines = run("graph", str(AI), "--format", "mermaid").stdout.splitlines()
    nodes = {m.group(1) for line in lines if (m := re.match(r"^\s+(\w+)[\[(]", line))}
    edges = [re.match(r"^\s+(\w+) -->\|\"[^\"]+\"\| (\w+)$", line) for line in lines if "-->" in line]
    assert all(edges)
    assert {e.group(i) for e in edges for i in (1, 2)} <= nodes
    assert {"aws_notebooks", "azure_notebooks", "gcp_service_ml_api"} <= nodes
    assert "gcp_notebooks" not in nodes
    assert lines.count("  end") == 3


def test_graph_dot_is_one_balanced_digraph_with_labelled_edges():
    result = run("graph", str(MINIMAL), "--format", "dot")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith('digraph "minimal" {')
    assert text.count("{") == text.count("}")
    assert '  aws_web -> aws_api [label="tcp/8080"];' in text.splitlines()
    assert '  internet -> aws_web [label="tcp/443"];' in text.splitlines()


def test_schema_is_json_schema_with_exactly_the_model_keys():
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert set(schema["properties"]) == {"name", "clouds", "segments", "flows", "never"}
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    example = YAML(typ="safe").load(AI.read_text())
    assert list(validator.iter_errors(example)) == []
    example["segments"]["edge"]["colour"] = "red"
    assert list(validator.iter_errors(example))  # an unknown key is rejected by the schema too


@pytest.mark.parametrize("command", sorted(get_command(app).commands))  # type: ignore[attr-defined]
def test_every_command_help_shows_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example: bulkhead " + command in result.stdout


HOSTILE_CLUSTER = 'prod"] --> x["<img src=x>" \\N # `a` &amp;\nnext'


def _graph_of_a_cluster_named(tmp_path: Path, cluster: str, form: str) -> list[str]:
    model = tmp_path / "m.yaml"
    model.write_text(f"name: shop\nclouds:\n  kubernetes: {{cluster: {json.dumps(cluster)}}}\n"
                     "segments:\n  web: {}\n  api: {}\nflows:\n  - {from: web, to: api, ports: [443]}\n")
    result = run("graph", str(model), "--format", form)
    assert result.exit_code == 0
    return result.stdout.splitlines()


@pytest.mark.parametrize("form", ["mermaid", "dot"])
def test_a_cluster_name_in_a_graph_stays_inside_its_label(tmp_path, form):
    # The cluster's name is the one free text in a graph (regions, names and namespaces are checked).
    lines = _graph_of_a_cluster_named(tmp_path, HOSTILE_CLUSTER, form)
    [title] = [line for line in lines if "cluster prod" in line]
    assert "next" in title  # the newline became a space on the same line
    if form == "mermaid":  # a label is HTML: quotes, brackets of tags, '#' and '&' as entity codes
        assert title == ('  subgraph kubernetes["kubernetes cluster prod#34;] --#62; x[#34;#60;img src=x#62;#34; '
                         '\\N #35; #96;a#96; #38;amp; next"]')
        assert len([line for line in lines if "-->" in line]) == 3  # the flow and the DNS paths, none forged
    else:  # a quoted DOT string: quotes and backslashes escaped
        assert title == ('  subgraph cluster_kubernetes { label="kubernetes cluster prod\\"] --> x[\\"<img src=x>\\" '
                         '\\\\N # `a` &amp; next";')


@pytest.mark.parametrize("form", ["mermaid", "dot"])
def test_a_plain_cluster_name_is_shown_as_written(tmp_path, form):
    lines = _graph_of_a_cluster_named(tmp_path, "ml-prod.eu", form)
    assert any("kubernetes cluster ml-prod.eu" in line for line in lines)


SLOTS = """name: shop
clouds:
  aws: {{region: us-east-1, cidr: 10.0.0.0/16}}
  azure: {{region: eastus, cidr: 10.30.0.0/22}}
segments:
{segments}
flows:
{flows}
"""
FOUR_ON_AWS = "  a: {clouds: [aws]}\n  b: {clouds: [aws]}\n  c: {clouds: [aws]}\n  d: {clouds: [aws]}\n"


def slot_fix(segments: str, flows: str = "  - {from: a, to: b, ports: [443]}") -> str:
    from infra.plan import plan_problems

    [problem] = plan_problems(parse_model(SLOTS.format(segments=segments, flows=flows)).model)
    assert problem.message.startswith("segment 'e' needs slot ") and "has only slots 1-3" in problem.message
    return problem.fix


def test_a_slot_too_high_suggests_pinning_a_lower_one_naming_what_moves_and_fewer_clouds():
    fix = slot_fix(FOUR_ON_AWS + "  e: {}\n")  # e gets slot 5; azure's /22 has slots 1-3
    assert fix == ("widen azure's cidr (a /16 holds 255 segments), or pin slot: 3 on segment 'e' (then 'c', 'd' "
                   "move to other slots; a deployed segment that moves has its subnets replaced), "
                   "or place it on fewer clouds (clouds: [aws])")
    pinned = SLOTS.format(segments=FOUR_ON_AWS + "  e: {slot: 3}\n", flows="  - {from: a, to: b, ports: [443]}")
    assert plan_of(pinned)  # the pin it suggests does fit


def test_no_lower_slot_is_suggested_when_none_fits_nor_fewer_clouds_when_a_flow_needs_that_cloud():
    # a, b and c hold azure's slots 1-3: e fits no slot there, whatever it pins, and a is only on azure.
    on_azure = "  a: {clouds: [azure]}\n  b: {}\n  c: {}\n  d: {clouds: [aws]}\n  e: {}\n"
    fix = slot_fix(on_azure, "  - {from: a, to: e, ports: [443]}")  # a and e share only azure
    assert fix == "widen azure's cidr (a /16 holds 255 segments)"
    assert slot_fix(on_azure, "  - {from: b, to: e, ports: [443]}") == (  # b is on aws too
        "widen azure's cidr (a /16 holds 255 segments), or place it on fewer clouds (clouds: [aws])")
