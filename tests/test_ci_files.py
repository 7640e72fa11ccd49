"""The CI files users copy parse, and every `bulkhead` command line in them is one the CLI accepts.

Each file is read as what it is (a composite action, a GitHub workflow, a GitLab pipeline, pre-commit
hooks); every shell line that runs `bulkhead` is cut out, its variables and `${{ }}` expressions
replaced by the values the file itself gives them (input defaults, env blocks, the first matrix
value) or by samples for what only CI knows (the PR's base branch), and handed to the CLI's own
argument parser without running anything. A line naming a command that does not exist fails with
the file, the step and the line.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from infra.cli import app

ROOT = Path(__file__).parents[1]
FILES = {"action.yml": "action", "examples/ci/github-actions.yml": "workflow",
         "examples/ci/gitlab-ci.yml": "gitlab", ".pre-commit-hooks.yaml": "pre-commit"}
# What only a CI run knows; everything else comes from the files themselves.
CI_SAMPLES = {
    "github.base_ref": "main", "github.token": "t", "github.event.pull_request.number": "7",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_PROJECT_DIR": "/builds/p", "CI_DEFAULT_BRANCH": "main",
}
# Action inputs left empty by default (the step that uses them runs only when a user sets them).
INPUT_SAMPLES = {"cloud": "aws", "snapshot": "snapshots/aws"}
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
OPERATORS = {"&&", "||", "|", ";", "(", ")", "&"}
REDIRECTS = {">", ">>", "<", ">&", "&>"}
KEYWORDS = {"if", "then", "else", "elif", "do", "!", "time", "exec"}


@dataclass(frozen=True)
class Invocation:
    file: str
    where: str
    line: str
    argv: tuple[str, ...]


class Unresolved(Exception):
    pass


def resolve(text: str, env: Mapping[str, str], inputs: Mapping[str, str], matrix: Mapping[str, str]) -> str:
    """`${{ ... }}` expressions, then `$VAR`s, replaced by the values the file gives them."""
    def expression(match: re.Match[str]) -> str:
        name = match.group(1)
        scope, _, key = name.partition(".")
        if scope == "inputs" and key in inputs:
            return inputs[key]
        if scope == "matrix" and key in matrix:
            return matrix[key]
        if scope == "env" and key in env:
            return env[key]
        if scope in ("vars", "secrets"):
            return f"sample-{key.lower()}"
        if name in CI_SAMPLES:
            return CI_SAMPLES[name]
        raise Unresolved(f"expression ${{{{ {name} }}}}")

    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in env:
            return resolve(env[name], env, inputs, matrix)
        if name in CI_SAMPLES:
            return CI_SAMPLES[name]
        raise Unresolved(f"variable ${name}")

    return VARIABLE.sub(variable, EXPRESSION.sub(expression, text))


def bulkhead_commands(script: str) -> Iterator[tuple[str, list[str]]]:
    """Each `bulkhead ...` simple command of a shell script: (the line, its words, unexpanded)."""
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words = list(lexer)
        command: list[str] = []
        for word in [*words, ";"]:
            if word not in OPERATORS:
                command.append(word)
                continue
            while command and (command[0] in KEYWORDS or re.match(r"^[A-Za-z_]\w*=", command[0])):
                command.pop(0)
            if command and (command[0] == "bulkhead" or command[0].endswith("/bulkhead")):
                yield line.strip(), _without_redirections(command[1:])
            command = []


def _without_redirections(words: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
        elif word in REDIRECTS:
            skip = True
            if out and out[-1].isdigit() and i > 0:
                out.pop()  # the 2 of 2>
        else:
            out.append(word)
    return out


def _invocations(file: str, where: str, script: str, env: Mapping[str, str], inputs: Mapping[str, str],
                 matrix: Mapping[str, str]) -> Iterator[Invocation]:
    for line, words in bulkhead_commands(script):
        try:
            argv = tuple(resolve(w, env, inputs, matrix) for w in words)
        except Unresolved as exc:
            pytest.fail(f"{file}: {where}: `{line}`: cannot resolve {exc} (add it to the file's env, or to "
                        "CI_SAMPLES in this test if only CI knows it)")
        yield Invocation(file, where, line, argv)


def _strings(values: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (values or {}).items()}


def from_action(file: str, doc: dict[str, Any]) -> Iterator[Invocation]:
    inputs = {name: str(spec.get("default", "")) or INPUT_SAMPLES.get(name, "") for name, spec in doc["inputs"].items()}
    for step in doc["runs"]["steps"]:
        if "run" in step:
            env = _strings(step.get("env"))
            yield from _invocations(file, step.get("name", "a step"), step["run"], env, inputs, {})


def from_workflow(file: str, doc: dict[str, Any]) -> Iterator[Invocation]:
    triggers = doc.get(True, doc.get("on")) or {}  # YAML 1.1 reads a bare `on` as true
    dispatch = (triggers.get("workflow_dispatch") or {}) if isinstance(triggers, dict) else {}
    inputs = {k: str(v.get("default", "")) for k, v in (dispatch.get("inputs") or {}).items()}
    for job_name, job in doc["jobs"].items():
        matrix = {k: str(v[0]) for k, v in ((job.get("strategy") or {}).get("matrix") or {}).items()
                  if isinstance(v, list)}
        for step in job.get("steps", []):
            env = _strings(doc.get("env")) | _strings(job.get("env")) | _strings(step.get("env"))
            if "run" in step:
                yield from _invocations(file, f"{job_name}: {step.get('name', 'a step')}", step["run"], env, inputs,
                                        matrix)


def from_gitlab(file: str, doc: dict[str, Any]) -> Iterator[Invocation]:
    default = doc.get("default") or {}
    for job_name, job in doc.items():
        if not isinstance(job, dict) or job_name in ("default", "variables", "stages"):
            continue
        matrix = {k: str(v[0] if isinstance(v, list) else v)
                  for row in ((job.get("parallel") or {}).get("matrix") or [])[:1] for k, v in row.items()}
        env = _strings(doc.get("variables")) | _strings(job.get("variables")) | matrix
        for key in ("before_script", "script", "after_script"):
            for line in job.get(key, default.get(key, []) if key == "before_script" else []):
                yield from _invocations(file, f"{job_name}: {key}", line, env, {}, {})


def from_pre_commit(file: str, doc: list[dict[str, Any]]) -> Iterator[Invocation]:
    for hook in doc:
        sample = [] if hook.get("pass_filenames") is False else ["segments.yaml"]  # pre-commit appends file names
        script = " ".join([hook["entry"], *map(shlex.quote, hook.get("args", [])), *sample])
        yield from _invocations(file, f"hook {hook['id']}", script, {}, {}, {})


READERS = {"action": from_action, "workflow": from_workflow, "gitlab": from_gitlab, "pre-commit": from_pre_commit}


def invocations(file: str) -> list[Invocation]:
    doc = yaml.safe_load((ROOT / file).read_text())
    return list(READERS[FILES[file]](file, doc))


def accepted(argv: tuple[str, ...]) -> str:
    """Parse argv with the CLI's own parser (nothing runs); return the command's name or raise its error."""
    group = typer.main.get_command(app)
    ctx = group.make_context("bulkhead", list(argv))
    name, command, rest = group.resolve_command(ctx, [*getattr(ctx, "_protected_args", []), *ctx.args])
    assert command is not None and name is not None
    command.make_context(name, rest, parent=ctx)
    return name


ALL = [(file, i, call.argv[0] if call.argv else "") for file in FILES for i, call in enumerate(invocations(file))]


@pytest.mark.parametrize(("file", "index"), [(f, i) for f, i, _ in ALL], ids=[f"{f}#{i}-{c}" for f, i, c in ALL])
def test_every_bulkhead_command_line_in_the_ci_files_is_accepted_by_the_cli(file: str, index: int) -> None:
    call = invocations(file)[index]
    try:
        accepted(call.argv)
    except Exception as exc:  # the parser's own error says what is wrong; say where it is
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        pytest.fail(f"{call.file}: {call.where}: `{call.line}` -> bulkhead {' '.join(call.argv)}: {message}")


def test_the_ci_files_run_the_commands_the_issue_asks_for() -> None:
    commands = {file: [c.argv[0] for c in invocations(file)] for file in FILES}
    assert {"validate", "diff", "verify"} <= set(commands["action.yml"])
    # the workflow's pull-request job validates and diffs through the action (uses: ./)
    assert {"simulate", "verify", "validate", "observe"} <= set(commands["examples/ci/github-actions.yml"])
    workflow = yaml.safe_load((ROOT / "examples/ci/github-actions.yml").read_text())
    assert {"uses": "./", "with": {"model": "examples/ai-platform.yaml", "extras": "aws,gcp,azure,mock"}} in \
        workflow["jobs"]["review"]["steps"]
    assert {"validate", "diff", "simulate", "verify", "observe"} <= set(commands["examples/ci/gitlab-ci.yml"])
    assert commands[".pre-commit-hooks.yaml"] == ["validate", "schema"]


def test_the_reader_finds_commands_inside_conditions_and_pipes_and_drops_redirections() -> None:
    script = 'if git cat-file -e "x"; then\n  FOO=1 bulkhead diff "a b" c --format json > out.json 2>&1 || exit 3\n' \
             "fi\necho bulkhead is not run here\n.venv/bin/bulkhead validate m.yaml | tee log\n"
    assert [words for _, words in bulkhead_commands(script)] == [
        ["diff", "a b", "c", "--format", "json"], ["validate", "m.yaml"]]


def test_a_line_naming_a_command_the_cli_does_not_have_is_refused() -> None:
    with pytest.raises(Exception, match="No such command 'deploy'"):
        accepted(("deploy", "m.yaml"))
    with pytest.raises(Exception, match="No such option: --colour"):
        accepted(("validate", "m.yaml", "--colour"))
    assert accepted(("verify", "m.yaml", "--cloud", "aws", "--region", "r", "--fail-on", "path,posture")) == "verify"
