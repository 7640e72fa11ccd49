"""`bulkhead init` writes a starter model and ready Pulumi projects; stacks/ is the same template."""

from __future__ import annotations

import importlib.util
import json
import re
import runpy
from pathlib import Path

import pulumi
import pytest
import yaml
from typer.testing import CliRunner

from infra.cli import app
from infra.load import load_model

ROOT = Path(__file__).parent.parent
_spec = importlib.util.spec_from_file_location("render_stacks", ROOT / "tools" / "render_stacks.py")
assert _spec is not None and _spec.loader is not None
render_stacks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render_stacks)
CLOUDS = ("aws", "azure", "gcp", "kubernetes")


@pytest.fixture(autouse=True)
def no_stack_config_left_behind():
    """The config set here is the Pulumi runtime's, global to the process: a mocked deploy of a
    later test (project `bulkhead`, as simulate's) would read it as its own settings."""
    yield
    pulumi.runtime.set_all_config({})


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_repository_stacks_are_the_init_template_rendered_for_this_checkout(cloud):
    expected = render_stacks.repo_stack(cloud)
    folder = ROOT / "stacks" / cloud
    actual = {p.name: p.read_text() for p in folder.iterdir() if p.is_file()}
    assert actual == expected, "stacks/ drifted from the template: run `python tools/render_stacks.py`"


def test_init_writes_a_valid_starter_model_and_one_project_per_chosen_cloud(tmp_path):
    result = CliRunner().invoke(app, ["init", "--cloud", "gcp", "--cloud", "aws", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["aws/Pulumi.yaml", "aws/__main__.py", "aws/requirements.txt",
                       "gcp/Pulumi.yaml", "gcp/__main__.py", "gcp/requirements.txt", "segments.yaml"]
    model = load_model(tmp_path / "segments.yaml").model
    assert model.clouds.declared() == ("aws", "gcp")
    text = (tmp_path / "segments.yaml").read_text()
    assert "# Everything not listed under flows is denied" in text  # the comments came along
    for cloud in ("aws", "gcp"):
        assert f"bulkhead[{cloud}]" in (tmp_path / cloud / "requirements.txt").read_text().splitlines()
        assert f'run("{cloud}")' in (tmp_path / cloud / "__main__.py").read_text()
        project = yaml.safe_load((tmp_path / cloud / "Pulumi.yaml").read_text())
        assert project["name"] == f"platform-{cloud}"
        assert project["config"]["model"]["default"] == "../segments.yaml"


def test_init_with_no_cloud_makes_a_project_for_every_cloud_of_the_starter_model(tmp_path):
    assert CliRunner().invoke(app, ["init", str(tmp_path)]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == list(CLOUDS)
    assert load_model(tmp_path / "segments.yaml").model.clouds.declared() == ("aws", "gcp", "azure", "kubernetes")


def test_init_refuses_to_overwrite_anything_and_writes_nothing(tmp_path):
    (tmp_path / "aws").mkdir()
    (tmp_path / "aws" / "Pulumi.yaml").write_text("mine")
    result = CliRunner().invoke(app, ["init", "--cloud", "aws", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exist" in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["Pulumi.yaml", "aws"]
    assert (tmp_path / "aws" / "Pulumi.yaml").read_text() == "mine"


@pytest.mark.parametrize(("layout", "in_the_way", "said"), [
    ({"aws": "a file"}, "aws", "is a file where a folder must be"),  # the project's folder is a file
    ({"segments.yaml": "mine"}, "segments.yaml", "already exists"),  # the model, though the project is free
])
def test_init_checks_every_target_before_writing_any(tmp_path, layout, in_the_way, said):
    for name, text in layout.items():
        (tmp_path / name).write_text(text)
    result = CliRunner().invoke(app, ["init", "--cloud", "aws", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {tmp_path / in_the_way} {said}; nothing was written. "
                                          "Pick an empty DIR, or move those files away"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(layout)  # nothing half-written
    assert all((tmp_path / name).read_text() == text for name, text in layout.items())


def test_init_into_a_dir_that_is_a_file_says_so_and_leaves_it_alone(tmp_path):
    target = tmp_path / "platform"
    target.write_text("mine")
    result = CliRunner().invoke(app, ["init", "--cloud", "aws", str(target)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {target} is a file where a folder must be; nothing was "
                                          "written. Pick an empty DIR, or move those files away"]
    assert target.read_text() == "mine" and list(tmp_path.iterdir()) == [target]


def test_init_of_an_unknown_cloud_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["init", "--cloud", "oracle", str(tmp_path)])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def _project_config(project: dict) -> dict[str, str]:
    """The config a fresh stack of this project sees: Pulumi.yaml values and declared defaults."""
    config = {}
    for key, value in project.get("config", {}).items():
        if isinstance(value, dict):
            config[f"{project['name']}:{key}"] = str(value["default"]).lower() if isinstance(value["default"], bool) \
                else str(value["default"])
        else:
            config[key] = str(value)
    return config


class _Recording(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.types: list[str] = []

    def new_resource(self, args):
        self.types.append(args.typ)
        return f"{args.name}-id", {**args.inputs, "arn": f"arn:{args.name}", "email": f"{args.name}@sa"}

    def call(self, args):
        # the AWS program reads the account id for its endpoint policies
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": "123456789012", "arn": "arn:aws:iam::123456789012:user/t", "id": "123456789012",
                    "userId": "AIDATEST"}, []
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":  # and the region's zones
            return {"names": ["us-east-1a", "us-east-1b", "us-east-1c"]}, []
        return {}, []


@pytest.mark.parametrize("cloud", ["aws", "gcp", "kubernetes"])
def test_an_initialised_project_deploys_with_no_setting_beyond_its_own_files(cloud, tmp_path, monkeypatch):
    # What `pulumi stack init dev && pulumi up` would run in the project folder.
    assert CliRunner().invoke(app, ["init", "--cloud", cloud, str(tmp_path)]).exit_code == 0
    project = yaml.safe_load((tmp_path / cloud / "Pulumi.yaml").read_text())
    monkeypatch.chdir(tmp_path / cloud)
    monkeypatch.setattr(pulumi, "export", lambda key, value: None)
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    mocks = _Recording()
    pulumi.runtime.set_mocks(mocks, project=project["name"], stack="dev", preview=False)
    pulumi.runtime.set_all_config(_project_config(project))
    pulumi.runtime.test(lambda: runpy.run_path("__main__.py", run_name="__main__") and None)()
    assert f"bulkhead:{cloud}:SegmentedNetwork" in mocks.types and len(mocks.types) > 10


def _project_files() -> list[Path]:
    return sorted([*(ROOT / "stacks").glob("*/Pulumi*.yaml")])


@pytest.mark.parametrize("path", _project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_project_file_follows_pulumis_rules_for_project_config(path):
    # pulumi refuses a Pulumi.yaml whose keys outside the project's namespace carry a type
    # or a default, and a typed default of another type (sdk/go/common/workspace/project.go).
    project = yaml.safe_load(path.read_text())
    types = {"string": str, "integer": int, "boolean": bool}
    for key, value in project["config"].items():
        if ":" in key and not key.startswith(f"{project['name']}:"):
            assert not isinstance(value, dict), f"{key}: a provider setting can only have a value"
            continue
        assert set(value) <= {"type", "description", "default", "secret"}
        assert value["description"]
        assert isinstance(value.get("default", types[value["type"]]()), types[value["type"]])


def test_no_committed_stack_settings_hold_placeholders():
    # `pulumi stack init` takes a committed Pulumi.<stack>.yaml as real config.
    placeholder = re.compile(r"<[^>]+>|my-project|your-|xxxx|00000000-0000")
    for path in (ROOT / "stacks").rglob("Pulumi*.yaml"):
        assert not placeholder.search(path.read_text()), path
    assert list((ROOT / "stacks").glob("*/Pulumi.*.yaml")) == []  # every default lives in Pulumi.yaml


def test_the_templates_model_path_and_settings_reach_the_program_through_the_projects_namespace(monkeypatch):
    # flowLogs set the way Pulumi.yaml declares it (bulkhead-aws:flowLogs) changes what is built.
    mocks = _Recording()
    monkeypatch.setattr(pulumi, "export", lambda key, value: None)
    pulumi.runtime.set_mocks(mocks, project="bulkhead-aws", stack="dev", preview=False)
    config = _project_config(yaml.safe_load((ROOT / "stacks" / "aws" / "Pulumi.yaml").read_text()))
    monkeypatch.chdir(ROOT / "stacks" / "aws")
    pulumi.runtime.set_all_config({**config, "bulkhead-aws:flowLogs": "s3"})
    pulumi.runtime.test(lambda: runpy.run_path("__main__.py", run_name="__main__") and None)()
    assert "aws:s3/bucket:Bucket" in mocks.types and "aws:cloudwatch/logGroup:LogGroup" not in mocks.types
    assert json.loads(json.dumps(config))["bulkhead-aws:model"] == "../../examples/ai-platform.yaml"
