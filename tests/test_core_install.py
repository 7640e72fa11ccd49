"""The core alone (no cloud extra installed): model commands work, snapshot verification works,
and every command that needs an extra says which one (exit 2), never an ImportError.

Each command runs in a fresh interpreter whose import system refuses the extras' packages,
as on a machine where only `pip install bulkhead` ran.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "ai-platform.yaml"
CLUSTER_EXAMPLE = ROOT / "examples" / "ai-platform-kubernetes.yaml"
CASE = ROOT / "tests" / "data" / "snapshots" / "aws" / "02-default-security-group"
EXTRAS = ("pulumi", "boto3", "botocore", "moto", "google", "azure", "kubernetes", "grpc", "msal")

HIDE = textwrap.dedent(f"""
    import importlib.abc, sys
    HIDDEN = {EXTRAS!r}
    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            top = name.split(".")[0]
            if top in HIDDEN or top.startswith("pulumi_"):
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None
    sys.meta_path.insert(0, NotInstalled())
""")
CLI = HIDE + textwrap.dedent("""
    from infra.cli import main
    sys.argv = ["bulkhead", *sys.argv[1:]]
    main()
    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(HIDDEN))
    assert not loaded, loaded
""")


def _bulkhead(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**os.environ, "AWS_REGION": "us-east-1"})


def _no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr + result.stdout
    assert "ImportError" not in result.stderr and "ModuleNotFoundError" not in result.stderr


def test_the_finder_really_hides_the_extras():
    result = subprocess.run([sys.executable, "-c", HIDE + "import boto3"], capture_output=True, text=True)
    assert result.returncode != 0 and "No module named 'boto3'" in result.stderr


@pytest.mark.parametrize("args", [
    ["validate", str(EXAMPLE)],
    ["plan", str(EXAMPLE), "--format", "json"],
    ["graph", str(EXAMPLE)],
    ["schema"],
    ["audit", "--cloud", "aws", "--snapshot", str(CASE), "--format", "json"],
], ids=lambda a: a[0])
def test_model_commands_and_snapshot_audits_work_on_the_core_alone(args):
    result = _bulkhead(*args)
    _no_traceback(result)
    # audit exits 1 when something is exposed, as the web subnet of this snapshot is
    assert result.returncode == (1 if args[0] == "audit" else 0), result.stderr
    assert result.stdout


def test_verify_of_a_saved_aws_snapshot_needs_no_cloud_sdk():
    result = _bulkhead("verify", str(CASE / "model.yaml"), "--cloud", "aws", "--snapshot", str(CASE))
    _no_traceback(result)
    assert result.returncode == 1  # the snapshot differs from its model, and says so
    assert "finding(s)" in result.stdout


def test_a_folder_of_kubernetes_manifests_is_verified_on_the_core_alone(tmp_path):
    # The manifest reader and the normalizer need no kubernetes client (only a live read does).
    (tmp_path / "serving.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: serving}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: serving}\n"
        "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n")
    result = _bulkhead("verify", str(CLUSTER_EXAMPLE), "--cloud", "kubernetes", "--snapshot", str(tmp_path))
    _no_traceback(result)
    assert result.returncode == 1  # serving is closed, the rest of the model is missing: findings
    assert "finding(s)" in result.stdout


def test_pin_and_init_work_on_the_core_alone(tmp_path):
    model = tmp_path / "m.yaml"
    shutil.copy(ROOT / "examples" / "minimal.yaml", model)
    pinned = _bulkhead("pin", str(model))
    _no_traceback(pinned)
    assert pinned.returncode == 0 and "slot:" in model.read_text()
    init = _bulkhead("init", "--cloud", "azure", str(tmp_path / "new"))
    _no_traceback(init)
    assert init.returncode == 0 and (tmp_path / "new" / "azure" / "Pulumi.yaml").exists()


@pytest.mark.parametrize("args, extra", [
    (["simulate", str(EXAMPLE), "--cloud", "aws"], "bulkhead[aws,mock]"),
    (["simulate", str(EXAMPLE), "--cloud", "gcp"], "bulkhead[gcp,mock]"),
    (["simulate", str(EXAMPLE), "--cloud", "azure"], "bulkhead[azure,mock]"),
    (["collect", "--cloud", "aws", "--region", "us-east-1", "--out", "snap"], "bulkhead[aws]"),
    (["collect", "--cloud", "gcp", "--region", "us-central1", "--project", "p", "--out", "snap"], "bulkhead[gcp]"),
    (["collect", "--cloud", "azure", "--region", "eastus", "--subscription", "s", "--out", "snap"],
     "bulkhead[azure]"),
    (["verify", str(EXAMPLE), "--cloud", "aws", "--region", "us-east-1"], "bulkhead[aws]"),
    (["verify", str(EXAMPLE), "--cloud", "gcp", "--region", "us-central1"], "bulkhead[gcp]"),
    (["audit", "--cloud", "azure", "--region", "eastus", "--subscription", "s"], "bulkhead[azure]"),
    # the mocked cluster needs nothing beyond the kubernetes extra (no moto)
    (["simulate", str(CLUSTER_EXAMPLE), "--cloud", "kubernetes"], "bulkhead[kubernetes]"),
    (["collect", "--cloud", "kubernetes", "--context", "prod", "--out", "snap"], "bulkhead[kubernetes]"),
    (["verify", str(CLUSTER_EXAMPLE), "--cloud", "kubernetes", "--context", "prod"], "bulkhead[kubernetes]"),
], ids=lambda a: "-".join(a[:2]) if isinstance(a, list) else a)
def test_a_command_that_needs_an_extra_names_it_and_exits_2(args, extra, tmp_path):
    result = _bulkhead(*args, cwd=tmp_path)
    _no_traceback(result)
    assert result.returncode == 2, result.stderr
    assert f"pip install '{extra}'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "snap").exists()


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure", "kubernetes"])
def test_a_stack_program_without_the_pulumi_sdk_says_which_extra_to_install(cloud):
    stack = HIDE + f"import runpy; runpy.run_path({str(ROOT / 'stacks' / cloud / '__main__.py')!r}, " \
                   "run_name='__main__')"
    result = subprocess.run([sys.executable, "-c", stack], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"bulkhead: this needs the Python package 'pulumi', which is not installed; "
                                     f"install it with: pip install 'bulkhead[{cloud}]'")
