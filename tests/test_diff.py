"""`bulkhead diff`: what a change to the model opens, closes, replaces; git revisions; the PR comment."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.diff import ModelDiff, diff_models
from infra.diff_report import MARKER
from infra.load import parse_model
from infra.plan import make_plan

EXAMPLE = Path(__file__).parents[1] / "examples" / "ai-platform.yaml"
TEXT = EXAMPLE.read_text()
NEW_FLOW = "  - {from: notebooks, to: vector-db, ports: [6333]}\n"


def edited(replace: str, by: str) -> str:
    assert replace in TEXT
    return TEXT.replace(replace, by)


def changes(old: str, new: str, cloud: str | None = None) -> ModelDiff:
    a, b = parse_model(old).model, parse_model(new).model
    return diff_models(make_plan(a), make_plan(b), a, b, cloud)


def cli(*args: str):
    return CliRunner().invoke(app, ["diff", *args])


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_pull_request_adding_a_flow_comments_the_new_path_in_its_summary(tmp_path: Path) -> None:
    new = write(tmp_path, "new.yaml", TEXT + NEW_FLOW)
    result = cli(str(EXAMPLE), str(new), "--format", "markdown")
    assert result.exit_code == 0
    comment = result.stdout
    summary, _, details = comment.partition("<details>")
    assert comment.startswith(MARKER)
    assert "**1 path(s) opened, 0 closed**" in summary
    assert "- **aws: notebooks → vector-db opens tcp/6333**" in summary  # vector-db is on aws and gcp,
    assert "gcp: notebooks" not in comment  # notebooks on aws and azure: only aws has both
    assert "<summary>Paths (1)</summary>" in details and "| aws | notebooks | vector-db | opens tcp/6333 |" in details


def test_identical_models_have_no_change_and_a_comment_that_says_so(tmp_path: Path) -> None:
    same = write(tmp_path, "same.yaml", "# only a comment differs\n" + TEXT)
    assert not changes(TEXT, same.read_text())
    result = cli(str(EXAMPLE), str(same), "--format", "markdown", "--fail-on", "any")
    assert result.exit_code == 0 and "no change to paths, segments, networks or guardrails" in result.stdout


def test_ports_changed_on_an_existing_path_are_split_into_opened_and_closed() -> None:
    diff = changes(TEXT, edited("to: vector-db, ports: [6333, \"tcp/6334\"]", "to: vector-db, ports: [6333, 6400]"))
    [aws, gcp] = diff.paths
    assert (aws.cloud, aws.src, aws.dst, aws.change) == ("aws", "serving", "vector-db", "changed")
    assert (str(aws.opened), str(aws.closed)) == ("6400", "6334")
    assert gcp.cloud == "gcp" and diff.opened() == (aws, gcp) and not diff.opened_internet()


def test_an_internet_port_is_an_opened_internet_path_and_fails_only_the_gates_that_cover_it(tmp_path: Path) -> None:
    new = write(tmp_path, "new.yaml", edited("internet: {ingress: [443]}", "internet: {ingress: [443, 22]}"))
    opened = changes(TEXT, new.read_text()).opened_internet()
    assert {(p.cloud, p.src, p.dst, str(p.opened)) for p in opened} == {
        (c, "internet", "edge", "22") for c in ("aws", "gcp", "azure")}
    assert cli(str(EXAMPLE), str(new)).exit_code == 0  # diff never fails unless asked
    for gate in ("opened-internet", "opened", "any"):
        assert cli(str(EXAMPLE), str(new), "--fail-on", gate).exit_code == 1
    internal = write(tmp_path, "internal.yaml", TEXT + NEW_FLOW)
    assert cli(str(EXAMPLE), str(internal), "--fail-on", "opened-internet").exit_code == 0
    assert cli(str(EXAMPLE), str(internal), "--fail-on", "opened").exit_code == 1
    closing = write(tmp_path, "closing.yaml", edited("  - {from: serving, to: model-registry, ports: [443]}\n", ""))
    assert cli(str(EXAMPLE), str(closing), "--fail-on", "opened").exit_code == 0
    assert cli(str(EXAMPLE), str(closing), "--fail-on", "any").exit_code == 1


def test_a_slot_that_moves_is_called_out_as_a_replacement_of_the_segment_subnets() -> None:
    diff = changes(TEXT, edited("    slot: 5\n", "    slot: 9\n"))
    moved = [s for s in diff.segments if s.segment == "vector-db"]
    assert {(s.cloud, s.change, s.reason, s.replaces) for s in moved} == {
        ("aws", "moved", "slot 5 -> 9", True), ("gcp", "moved", "slot 5 -> 9", True)}
    assert moved[0].before == ("10.10.5.0/26", "10.10.5.64/26") and moved[0].after == ("10.10.9.0/26", "10.10.9.64/26")
    assert not diff.paths and len(diff.replacements()) == 2


def test_an_unpinned_segment_added_first_moves_the_unpinned_ones_after_it() -> None:
    old = """name: shop
clouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16, zones: 1}}
segments: {web: {}, api: {}}
"""
    new = old.replace("{web: {}, api: {}}", "{cache: {}, web: {}, api: {}}")
    diff = changes(old, new)
    assert [(s.segment, s.change, s.reason, s.replaces) for s in diff.segments] == [
        ("cache", "added", "new segment", False), ("web", "moved", "slot 1 -> 2", True),
        ("api", "moved", "slot 2 -> 3", True)]
    pinned = new.replace("web: {}, api: {}", "web: {slot: 1}, api: {slot: 2}")
    assert [(s.segment, s.change) for s in changes(old, pinned).segments] == [("cache", "added")]  # pin prevents it


def test_a_placement_change_adds_and_destroys_subnets_and_changes_the_meaning_of_its_flows() -> None:
    diff = changes(TEXT, edited("    clouds: [aws, azure]\n", "    clouds: [aws, gcp]\n"))
    placed = {(s.cloud, s.segment): (s.change, s.reason, s.replaces) for s in diff.segments}
    assert placed == {("gcp", "notebooks"): ("added", "placed in gcp", False),
                      ("azure", "notebooks"): ("removed", "no longer placed in azure", True)}
    assert {(f.src, f.dst, f.before, f.after) for f in diff.flows} == {
        ("notebooks", "feature-store", "tcp/6379 on aws, azure", "tcp/6379 on aws, gcp"),
        ("notebooks", "model-registry", "tcp/443 on aws, azure", "tcp/443 on aws, gcp")}
    assert {(p.cloud, p.change) for p in diff.paths} == {("gcp", "opened"), ("azure", "closed")}


def test_network_settings_that_replace_a_network_are_called_out() -> None:
    diff = changes(TEXT, edited("aws:   {region: us-east-1", "aws:   {region: us-west-2").replace(
        "name: ai-platform", "name: ai-platform2"))
    what = {(n.cloud, n.what.split(" ")[0], n.replaces) for n in diff.networks}
    assert ("aws", "region", True) in what
    assert {("aws", "model", True), ("gcp", "model", True), ("azure", "model", True)} <= what
    removed = changes(TEXT, edited("  azure: {region: eastus, cidr: 10.30.0.0/16}\n", "").replace(
        "clouds: [aws, azure]", "clouds: [aws]"), "azure")
    assert [(n.change, n.replaces) for n in removed.networks] == [("removed", True)]
    assert removed.clouds == ("azure",) and all(p.cloud == "azure" and p.change == "closed" for p in removed.paths)


def test_guardrail_changes_come_first_in_every_format(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", TEXT + "never:\n  - {from: training, to: internet}\n")
    new = write(tmp_path, "new.yaml", TEXT + NEW_FLOW + "never:\n  - {from: notebooks, to: internet}\n")
    diff = changes(old.read_text(), new.read_text())
    assert {(g.change, g.src) for g in diff.guardrails} == {("added", "notebooks"), ("removed", "training")}
    comment = cli(str(old), str(new), "--format", "markdown").stdout
    bullets = [line for line in comment.splitlines() if line.startswith("- ")]
    assert bullets[0].startswith("- **guardrail") and bullets[1].startswith("- **guardrail")
    assert "opens tcp/6333" in bullets[2]
    doc = json.loads(cli(str(old), str(new), "--format", "json").stdout)
    assert list(doc)[:6] == ["old", "new", "model", "clouds", "summary", "guardrails"]
    table = cli(str(old), str(new)).stdout
    assert table.index("guardrails") < table.index("paths")


def test_the_json_contract_has_the_documented_keys(tmp_path: Path) -> None:
    new = write(tmp_path, "new.yaml", edited("    slot: 5\n", "    slot: 9\n") + NEW_FLOW)
    doc = json.loads(cli(str(EXAMPLE), str(new), "--format", "json", "--cloud", "aws").stdout)
    assert list(doc) == ["old", "new", "model", "clouds", "summary", "guardrails", "networks", "segments", "paths",
                         "flows"]
    assert doc["clouds"] == ["aws"] and doc["old"] == str(EXAMPLE)
    assert doc["summary"] == {"guardrails": 0, "opened": 1, "opened_internet": 0, "closed": 0, "replacements": 1,
                              "segments": 1, "flows": 0}
    assert doc["paths"] == [{"cloud": "aws", "src": "notebooks", "dst": "vector-db", "protocol": "tcp",
                             "change": "opened", "before": [], "after": [[6333, 6333]], "opened": [[6333, 6333]],
                             "closed": []}]
    assert doc["segments"][0] | {"before": None, "after": None} == {
        "cloud": "aws", "segment": "vector-db", "change": "moved", "reason": "slot 5 -> 9", "before": None,
        "after": None, "replaces": True}


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose main holds the example; the work tree adds a flow."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "model.yaml").write_text(TEXT)
    subprocess.run([*git, "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run([*git, "-C", str(tmp_path), "commit", "-qm", "model"], check=True)
    (tmp_path / "net" / "model.yaml").write_text(TEXT + NEW_FLOW)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_old_model_can_be_read_from_a_git_revision(repo: Path) -> None:
    result = cli("git:HEAD:net/model.yaml", "net/model.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["old"] == "git:HEAD:net/model.yaml" and doc["summary"]["opened"] == 1


@pytest.mark.parametrize(("spec", "said"), [
    ("git:no-such-ref:net/model.yaml", "git cannot read it"),
    ("git:HEAD:net/missing.yaml", "git cannot read it"),
    ("git:HEAD", "is not git:REF:path"),
])
def test_a_revision_git_cannot_give_is_a_located_problem_with_exit_2(repo: Path, spec: str, said: str) -> None:
    result = cli(spec, "net/model.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{spec}:1:1: {said}") and "Traceback" not in result.output


@pytest.mark.parametrize("spec", ["git:--output={out}:net/model.yaml", "git:HEAD:--output={out}"])
def test_a_revision_that_git_could_read_as_an_option_is_refused_and_writes_nothing(repo: Path, spec: str) -> None:
    out = repo / "written-by-git"
    result = cli(spec.format(out=out), "net/model.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{spec.format(out=out)}:1:1: the REF or path starts with '-'; name a branch")
    assert len(result.stderr.splitlines()) == 2 and "Traceback" not in result.output
    assert not out.exists()


def test_git_is_told_where_options_end_before_the_revision(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import infra.revisions

    seen: list[list[str]] = []
    run = subprocess.run

    def recording(argv, **kwargs):
        seen.append(list(argv))
        return run(argv, **kwargs)

    monkeypatch.setattr(infra.revisions.subprocess, "run", recording)
    assert cli("git:HEAD:net/model.yaml", "net/model.yaml").exit_code == 0
    assert seen and all(argv[-2:] == ["--end-of-options", "HEAD:net/model.yaml"] for argv in seen)


@pytest.mark.parametrize("spec", ["git:HEAD:net", "git:HEAD:net/"])
def test_a_revision_naming_a_directory_says_so_and_what_to_pass(repo: Path, spec: str) -> None:
    result = cli(spec, "net/model.yaml")
    assert result.exit_code == 2
    first, summary = result.stderr.splitlines()
    assert first == (f"{spec}:1:1: names a directory ({spec.removeprefix('git:HEAD:')}), not a file; "
                     "name the model file inside it, e.g. git:HEAD:net/<model>.yaml")
    assert summary == "1 problem(s) found; nothing was changed."


def test_a_bad_model_at_a_revision_is_reported_at_its_lines_in_that_revision(repo: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    (repo / "net" / "model.yaml").write_text(TEXT.replace("  feature-store:\n", "  feature_store:\n"))
    subprocess.run([*git, "commit", "-qam", "bad"], check=True)
    result = cli("git:HEAD:net/model.yaml", str(EXAMPLE))
    assert result.exit_code == 2
    assert result.stderr.startswith("git:HEAD:net/model.yaml:34:3: segments.feature_store:")


def test_a_bad_new_model_is_refused_like_validate_does(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", TEXT + "  - {from: notebooks, to: vectordb, ports: [6333]}\n")
    result = cli(str(EXAMPLE), str(bad))
    assert result.exit_code == 2 and f"{bad}:" in result.stderr and "did you mean 'vector-db'?" in result.stderr


HOSTILE = '</details><!-- bulkhead-diff --> <img src=x> [link](http://x) *b* `c` | d\n# heading & [/x]'
CLUSTER = """name: shop
clouds:
  kubernetes: {{cluster: {cluster}}}
segments:
  web: {{}}
never:
  - {{from: web, to: internet, description: {description}}}
"""


def test_free_text_in_the_pull_request_comment_is_text_not_html_markdown_or_a_second_line(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", CLUSTER.format(cluster="prod", description="plain"))
    new = write(tmp_path, "new.yaml", CLUSTER.format(cluster=json.dumps(HOSTILE), description=json.dumps(HOSTILE)))
    result = cli(str(old), str(new), "--format", "markdown")
    assert result.exit_code == 0
    comment = result.stdout
    assert comment.count(MARKER) == 1 and comment.count("</details>") == 1  # the table's own, nothing forged
    assert "<img" not in comment and "# heading" not in comment.splitlines()
    [bullet] = [line for line in comment.splitlines() if line.startswith("- **guardrail changed**")]
    assert "&lt;img src=x> \\[link\\](http://x) \\*b\\* \\`c\\` | d # heading &amp; \\[/x\\]" in bullet
    [row] = [line for line in comment.splitlines() if line.startswith("| kubernetes |")]
    assert row.count(" | ") == 2 and "\\| d" in row  # the cluster's '|' does not add a column


def test_plain_text_in_the_comment_is_unchanged(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", CLUSTER.format(cluster="prod", description="plain"))
    reason = json.dumps("PCI scope: no egress -> ever")
    new = write(tmp_path, "new.yaml", CLUSTER.format(cluster="prod-2", description=reason))
    comment = cli(str(old), str(new), "--format", "markdown").stdout
    assert "- **guardrail changed**: web never reaches internet: PCI scope: no egress -> ever" in comment
    assert "| kubernetes | changed ⚠ replaces | cluster prod -> prod-2 |" in comment


def test_two_cluster_models_diff_without_a_traceback_and_name_a_renamed_cluster_once(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", CLUSTER.format(cluster="prod", description="plain"))
    new = write(tmp_path, "new.yaml", CLUSTER.format(cluster="prod-2", description=json.dumps("[/x] [bold]y")))
    same = cli(str(old), str(old), "--format", "json")
    assert same.exit_code == 0 and json.loads(same.stdout)["networks"] == []
    doc = json.loads(cli(str(old), str(new), "--format", "json").stdout)
    assert [n["what"] for n in doc["networks"]] == ["cluster prod -> prod-2"]
    table = cli(str(old), str(new))  # Rich tables: a description's "[/x]" is text, not markup
    assert table.exit_code == 0 and "[/x] [bold]y" in table.stdout


SHOP = """name: shop
clouds:
  kubernetes: {cluster: prod, pod_cidr: 10.244.0.0/16}
segments:
  web: {}
  api: {kubernetes: {namespace: backend, pods: {app: api}}}
flows:
  - {from: web, to: api, ports: [8080]}
"""


@pytest.mark.parametrize("selection, reason, after", [
    ("namespace: services, pods: {app: api}", "namespace/backend -> namespace/services",
     ("namespace/services", "pods/app=api")),
    ("namespace: backend, pods: {app: api2}", "pods/app=api -> pods/app=api2", ("namespace/backend", "pods/app=api2")),
    ("namespace: backend", "namespace/backend pods/app=api -> namespace/backend", ("namespace/backend",)),
])
def test_on_a_cluster_a_new_namespace_or_pod_selection_is_a_move_its_workloads_must_follow(selection, reason,
                                                                                           after) -> None:
    diff = changes(SHOP, SHOP.replace("namespace: backend, pods: {app: api}", selection))
    [moved] = diff.segments
    assert (moved.cloud, moved.segment, moved.change, moved.reason, moved.replaces) == (
        "kubernetes", "api", "moved", reason, True)
    assert moved.before == ("namespace/backend", "pods/app=api") and moved.after == after
    assert not diff.paths and diff.replacements() == (moved,)


def test_a_namespace_move_fails_fail_on_any_and_says_what_it_costs_in_the_comment(tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml", SHOP)
    new = write(tmp_path, "new.yaml", SHOP.replace("namespace: backend", "namespace: services"))
    assert cli(str(old), str(new), "--fail-on", "any").exit_code == 1
    assert cli(str(old), str(new), "--fail-on", "opened").exit_code == 0  # no path opens
    comment = cli(str(old), str(new), "--format", "markdown").stdout
    assert "kubernetes: api: its workloads must move or be relabelled (namespace/backend -> namespace/services)" \
        in comment


def test_on_a_cluster_the_same_selection_written_otherwise_is_no_change() -> None:
    same = SHOP.replace("api: {kubernetes: {namespace: backend, pods: {app: api}}}",
                           "api:\n    kubernetes:\n      pods: {app: api}\n      namespace: backend")
    web_named = SHOP.replace("  web: {}", "  web: {kubernetes: {namespace: web}}")  # its default namespace
    assert not changes(SHOP, same)
    assert not changes(SHOP, web_named)
