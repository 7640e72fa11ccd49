"""tools/check_boundaries.py finds forbidden imports in a tree, however they are spelled."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
_spec = importlib.util.spec_from_file_location("check_boundaries", ROOT / "tools" / "check_boundaries.py")
assert _spec and _spec.loader
boundaries = importlib.util.module_from_spec(_spec)
sys.modules["check_boundaries"] = boundaries  # dataclasses look their module up while the class is built
_spec.loader.exec_module(boundaries)

BASE = {
    "infra/__init__.py": "",
    "infra/ports.py": "import re\n",
    "infra/model.py": "from infra.ports import PortSet\n",
    "infra/plan.py": "from infra.model import Model\n",
    "infra/cli.py": "from infra.plan import make_plan\n",  # the CLI may use the planner
    "infra/reach.py": "from infra.ports import PortSet\n",
    "infra/verify.py": "from infra.reach import Network\nfrom infra.model import Model\n",
    "providers/__init__.py": "",
    "providers/aws/__init__.py": "from infra.registry import ProviderSpec\n",
    "providers/aws/services.py": "SERVICES = {}\n",
    "providers/aws/build/__init__.py": "",
    "providers/aws/build/plan.py": "from infra.plan import CloudPlan\nfrom providers.aws.services import SERVICES\n",
    "providers/aws/build/component.py": "import pulumi\nimport pulumi_aws\n"
                                        "from providers.aws.build.plan import rule_plan\n",
    "providers/aws/observe/__init__.py": "",
    "providers/aws/observe/collect.py": "import boto3\n",
    "providers/aws/observe/normalize.py": "from infra.reach import Network\nfrom ..services import SERVICES\n",
    # the mocked cloud runs the program and reuses collect: both are allowed
    "providers/aws/mock/__init__.py": "",
    "providers/aws/mock/cloud.py": "import moto\nfrom ..build import component\n"
                                   "from ..observe.collect import collect\n",
}


def tree(tmp_path: Path, changes: dict[str, str]) -> Path:
    for rel, text in {**BASE, **changes}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_real_tree_keeps_its_boundaries():
    assert boundaries.check(ROOT) == []


def test_a_clean_tree_passes_even_though_build_modules_use_pulumi_and_the_cli_uses_the_planner(tmp_path):
    assert boundaries.check(tree(tmp_path, {})) == []


@pytest.mark.parametrize("statement", [
    "import boto3", "import botocore.exceptions", "from moto import mock_aws", "from google.cloud import compute_v1",
    "import azure.mgmt.network", "import pulumi", "import pulumi_aws as aws", "from pulumi_gcp import compute",
    "import pulumi_azure_native", "from providers.aws import plan", "import providers.gcp.observe.normalize",
])
def test_infra_importing_a_cloud_sdk_pulumi_or_a_provider_is_reported(tmp_path, statement):
    root = tree(tmp_path, {"infra/helper.py": f"import json\n\n{statement}\n"})
    [problem] = boundaries.check(root)
    assert problem.startswith("infra/helper.py:3: infra must not import ")
    assert statement.split()[1] in problem
    assert "cloud-neutral" in problem


def test_an_import_inside_a_function_counts(tmp_path):
    root = tree(tmp_path, {"infra/helper.py": "def f():\n    import boto3\n    return boto3\n"})
    assert [p.split(": ")[0] for p in boundaries.check(root)] == ["infra/helper.py:2"]


@pytest.mark.parametrize(("module", "statement", "forbidden"), [
    ("infra/verify.py", "from infra.plan import make_plan", "infra.plan"),
    ("infra/verify.py", "from infra import plan", "infra.plan"),
    ("infra/verify.py", "from . import plan", "infra.plan"),
    ("infra/verify.py", "from .plan import Path", "infra.plan"),
    ("infra/reach.py", "import infra.plan", "infra.plan"),
    ("infra/report.py", "import pulumi", "pulumi"),
    ("providers/aws/observe/normalize.py", "from ..build.component import SegmentedNetwork",
     "providers.aws.build"),
    ("providers/aws/observe/normalize.py", "from .. import mock", "providers.aws.mock"),
    ("providers/aws/observe/normalize.py", "from ...aws.build.plan import rule_plan", "providers.aws.build"),
    ("providers/aws/observe/collect.py", "from providers.aws.build.plan import rule_plan", "providers.aws.build"),
    ("providers/aws/observe/collect.py", "from providers.aws.mock.cloud import MockedCloud", "providers.aws.mock"),
    ("providers/aws/observe/collect.py", "from pulumi_aws import ec2", "pulumi_aws"),
])
def test_a_verify_module_importing_the_build_pipeline_directly_is_reported(tmp_path, module, statement, forbidden):
    root = tree(tmp_path, {module: BASE.get(module, "") + statement + "\n"})
    where = f"{module}:{len(BASE.get(module, '').splitlines()) + 1}: "
    # (what the imported builder imports in turn, and pulumi breaking the infra rule, get lines of their own)
    [problem] = [p for p in boundaries.check(root) if p.startswith(where) and "tautology" in p]
    assert f"the verify pipeline imports {forbidden} here" in problem


def test_a_verify_module_reaching_the_planner_through_other_modules_is_reported_with_the_chain(tmp_path):
    root = tree(tmp_path, {
        "infra/verify.py": "from infra.intent import paths\n",
        "infra/intent.py": "def paths():\n    from .shared import x\n    return x\n",
        "infra/shared.py": "from infra.plan import allowed_paths as x\n",
    })
    [problem] = boundaries.check(root)
    assert problem.startswith("infra/shared.py:1: the verify pipeline imports infra.plan here "
                              "(infra.verify -> infra.intent -> infra.shared -> infra.plan)")


def test_a_package_init_that_imports_a_builder_taints_every_module_of_the_package(tmp_path):
    root = tree(tmp_path, {"providers/aws/__init__.py": "from .build.plan import rule_plan\n"})
    [problem] = [p for p in boundaries.check(root) if p.startswith("providers/aws/__init__.py:")]
    # every observe module loads the provider package: one line for the import, naming them all
    assert problem.startswith("providers/aws/__init__.py:1: the verify pipeline imports providers.aws.build here "
                              "(providers.aws.observe -> providers.aws -> providers.aws.build; "
                              "also loaded by providers.aws.observe.collect, providers.aws.observe.normalize)")


@pytest.mark.parametrize("statement", [
    "from providers.aws.observe.normalize import normalize", "from ..observe import collect",
    "import providers.aws.observe", "from providers.aws import observe",
])
def test_a_build_module_importing_the_observe_pipeline_is_reported(tmp_path, statement):
    root = tree(tmp_path, {"providers/aws/build/plan.py": BASE["providers/aws/build/plan.py"] + statement + "\n"})
    [problem] = boundaries.check(root)
    assert problem.startswith("providers/aws/build/plan.py:3: the build pipeline imports providers.aws.observe")
    assert "build/ never imports observe/" in problem


def test_a_shared_module_that_imports_observe_taints_the_builder_with_the_chain(tmp_path):
    root = tree(tmp_path, {"providers/aws/services.py": "from providers.aws.observe.collect import collect\n"})
    [problem] = boundaries.check(root)
    assert problem.startswith("providers/aws/services.py:1: the build pipeline imports providers.aws.observe here "
                              "(providers.aws.build.plan -> providers.aws.services -> providers.aws.observe")


def test_the_mocked_cloud_may_import_both_pipelines_and_the_real_tree_has_the_three_sub_packages():
    assert boundaries.check(ROOT) == []
    for cloud in ("aws", "gcp", "azure"):
        top = sorted(p.name for p in (ROOT / "providers" / cloud).glob("*.py"))
        assert top == ["__init__.py", "services.py"], cloud
        assert all((ROOT / "providers" / cloud / sub / "__init__.py").is_file() for sub in ("build", "observe", "mock"))


def test_the_command_exits_1_with_one_line_per_violation_and_0_when_clean(tmp_path):
    script = ROOT / "tools" / "check_boundaries.py"
    bad = tree(tmp_path / "bad", {"infra/helper.py": "import boto3\n",
                                  "providers/aws/observe/normalize.py": "import providers.aws.build\n"})
    done = subprocess.run([sys.executable, str(script), str(bad)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("2 import boundary violation(s)")
    clean = subprocess.run([sys.executable, str(script), str(ROOT)], capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.startswith("import boundaries ok")
