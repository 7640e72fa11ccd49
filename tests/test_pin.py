"""`bulkhead pin` adds `slot: N` where a person would type it and changes nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.errors import ModelError
from infra.load import parse_model
from infra.pin import pin_slots
from infra.plan import make_plan

EXAMPLES = Path(__file__).parents[1] / "examples"

BEFORE = """\
# top comment
name: shop
clouds:
  aws: {region: us-east-1, cidr: 10.0.0.0/16, zones: 1}   # one zone
segments:
  web:
    description: front   # trailing comment
    internet: {ingress: [443]}
  api: {}
  db:
  cache: {slot: 9}
  # a comment before queue
  queue: {description: "q"}
flows:
  - {from: web, to: api, ports: [8080]}   # flow comment
  - {from: api, to: [db, cache], ports: ["tcp/5432", 6379]}
"""
AFTER = """\
# top comment
name: shop
clouds:
  aws: {region: us-east-1, cidr: 10.0.0.0/16, zones: 1}   # one zone
segments:
  web:
    description: front   # trailing comment
    internet: {ingress: [443]}
    slot: 1
  api: {slot: 2}
  db: {slot: 3}
  cache: {slot: 9}
  # a comment before queue
  queue: {description: "q", slot: 4}
flows:
  - {from: web, to: api, ports: [8080]}   # flow comment
  - {from: api, to: [db, cache], ports: ["tcp/5432", 6379]}
"""


def pin(text: str) -> tuple[str, list[str]]:
    return pin_slots(text, make_plan(parse_model(text).model).slots)


def subnets(text: str) -> dict[tuple[str, str], tuple]:
    return {(cp.cloud, p.segment): p.subnets for cp in make_plan(parse_model(text).model).clouds
            for p in cp.segments}


def test_pin_writes_slots_keeping_comments_order_flow_style_and_list_indentation():
    text, pinned = pin(BEFORE)
    assert text == AFTER
    assert pinned == ["web", "api", "db", "queue"]


def test_pinning_twice_changes_nothing():
    text, _ = pin(BEFORE)
    again, pinned = pin(text)
    assert again == text
    assert pinned == []


def test_the_pinned_file_loads_and_plans_to_the_same_subnets():
    before = (EXAMPLES / "ai-platform.yaml").read_text()
    unpinned = "\n".join(line for line in before.splitlines() if not line.strip().startswith("slot:")) + "\n"
    assert "slot:" not in unpinned
    text, pinned = pin(unpinned)
    assert len(pinned) == 8
    assert subnets(text) == subnets(unpinned)
    assert all(s.slot is not None for s in parse_model(text).model.segments.values())


def test_an_already_pinned_example_is_left_byte_for_byte_alone():
    text = (EXAMPLES / "ai-platform.yaml").read_text()
    assert pin(text) == (text, [])


@pytest.mark.parametrize(("segment", "pinned"), [
    # a block scalar ends with its own line break
    ("  web:\n    description: |\n      two\n      lines\n", "  web:\n    description: |\n      two\n      lines\n"
     "    slot: 1\n"),
    # four-space indentation is kept
    ("    web:\n        description: x\n", "    web:\n        description: x\n        slot: 1\n"),
    # explicit nulls
    ("  web: ~\n", "  web: {slot: 1}\n"),
    ("  web: null   # later\n", "  web: {slot: 1}   # later\n"),
    # a flow mapping over several lines gets the slot after its last entry
    ("  web: {description: x,\n        clouds: [aws]}\n", "  web: {description: x,\n        clouds: [aws], slot: 1}\n"),
    # a nested block mapping as the last key
    ("  web:\n    internet:\n      ingress: [443]\n", "  web:\n    internet:\n      ingress: [443]\n    slot: 1\n"),
])
def test_pin_handles_the_ways_a_segment_can_be_written(segment, pinned):
    head = "name: shop\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\nsegments:\n"
    text, names = pin(head + segment)
    assert text == head + pinned
    assert names == ["web"]
    assert parse_model(text).model.segments["web"].slot == 1


def test_pin_handles_a_file_without_a_final_newline_and_windows_line_ends():
    text, _ = pin("name: shop\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\n"
                  "segments:\n  web:\n    description: x")
    assert text.endswith("  web:\n    description: x\n    slot: 1\n")
    crlf = ("name: shop\r\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\r\n"
            "segments:\r\n  web:\r\n    description: x\r\n")
    text, _ = pin(crlf)
    assert text == crlf + "    slot: 1\r\n"


def test_pin_refuses_to_write_into_a_yaml_alias():
    text = ("name: shop\nclouds: {aws: {region: us-east-1, cidr: 10.0.0.0/16}}\nsegments:\n"
            "  web: &base {description: x}\n  api: *base\n")
    with pytest.raises(ModelError) as caught:
        pin(text)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.path) == (5, "segments.api")
    assert "alias" in diagnostic.message


def test_the_pin_command_writes_the_file_once_and_then_reports_nothing_to_do(tmp_path):
    model = tmp_path / "shop.yaml"
    model.write_text(BEFORE)
    first = CliRunner().invoke(app, ["pin", str(model)])
    assert first.exit_code == 0
    assert "pinned web=1, api=2, db=3, queue=4" in first.stdout
    assert model.read_text() == AFTER
    second = CliRunner().invoke(app, ["pin", str(model)])
    assert second.exit_code == 0
    assert "nothing changed" in second.stdout
    assert model.read_text() == AFTER


def test_the_pin_command_keeps_a_files_windows_line_ends(tmp_path):
    model = tmp_path / "shop.yaml"
    model.write_bytes(BEFORE.replace("\n", "\r\n").encode())
    result = CliRunner().invoke(app, ["pin", str(model)])
    assert result.exit_code == 0, result.output
    assert model.read_bytes() == AFTER.replace("\n", "\r\n").encode()


def test_a_file_pin_cannot_replace_is_one_located_line_with_exit_2_and_stays_as_it_was(tmp_path, monkeypatch):
    def refused(source, target):  # what the kernel answers for an immutable file (chattr +i), even to root
        raise PermissionError(1, "Operation not permitted", str(target))

    monkeypatch.setattr(os, "replace", refused)
    model = tmp_path / "shop.yaml"
    model.write_text(BEFORE)
    result = CliRunner().invoke(app, ["pin", str(model)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines() == [
        f"{model}:1:1: cannot write the file (Operation not permitted); make it writable "
        "(an immutable file: chattr -i; a read-only mount), or pin a writable copy",
        "1 problem(s) found; nothing was changed."]
    assert model.read_text() == BEFORE
    assert [p.name for p in tmp_path.iterdir()] == ["shop.yaml"]  # no temporary file left behind


def test_pin_through_a_symlink_replaces_the_file_it_names_and_keeps_its_permissions(tmp_path):
    # a guard for the atomic write: the rename must land on the target, not turn the link into a file
    model = tmp_path / "shop.yaml"
    model.write_text(BEFORE)
    model.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(model.name)
    assert CliRunner().invoke(app, ["pin", str(link)]).exit_code == 0
    assert link.is_symlink() and model.read_text() == AFTER
    assert model.stat().st_mode & 0o777 == 0o640
