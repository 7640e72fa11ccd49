"""The documentation stands alone: every relative link and every `*.md` named in code or docs
resolves inside the repository, and every `make` target and `bulkhead` command (with its
options) shown in the docs exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from infra.cli import app

ROOT = Path(__file__).parent.parent
SKIP = {".venv", ".git", "build", "out", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}
# Project templates (*.tmpl) are checked as rendered: stacks/<cloud>/ is their rendering.
CODE_SUFFIXES = {".py", ".toml", ".yaml", ".txt", ".json"}


def _files(suffixes: set[str]) -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and path.suffix in suffixes and not parts & SKIP and not any(
                p.endswith(".egg-info") for p in parts) and "snapshots" not in parts:
            found.append(path)
    return sorted(found)


DOCS = _files({".md"})
CODE = [p for p in _files(CODE_SUFFIXES) if p != Path(__file__)] + [ROOT / "Makefile"]

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
MENTION = re.compile(r"(?<![\w/.:$-])((?:\.\.?/)*[\w][\w./-]*\.md)(?![\w/])")


def broken_links(text: str, where: Path) -> list[str]:
    """Relative markdown links whose target does not exist (anchors ignored)."""
    problems = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        if not _inside(where.parent / target.split("#")[0], where):
            problems.append(target)
    return problems


def unresolved_mentions(text: str, where: Path) -> list[str]:
    """Names of markdown files that exist neither beside `where` nor from the repository root."""
    return [name for name in MENTION.findall(text)
            if not _inside(where.parent / name, where) and not _inside(ROOT / name, where)]


def _inside(path: Path, where: Path) -> bool:
    """The file exists and is part of the repository `where` belongs to (../ may lead out of it, to
    files a user of the repository does not have)."""
    root = ROOT.resolve() if where.resolve().is_relative_to(ROOT.resolve()) else where.parent.resolve()
    resolved = path.resolve()
    return resolved.exists() and resolved.is_relative_to(root)


def _code_lines(markdown: str) -> list[str]:
    """Shell-like lines shown in a document: fenced blocks (minus comments) and inline code."""
    lines, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            lines.append(re.sub(r"\s#.*$", "", line))
        else:
            lines += re.findall(r"`([^`]+)`", line)
    return lines


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([\w.-]+):", text, re.MULTILINE))


def missing_make_targets(markdown: str, targets: set[str]) -> list[str]:
    return [t for line in _code_lines(markdown) for t in re.findall(r"(?:^|[\s;&|])make ([\w-]+)", line)
            if t not in targets]


def command_options() -> dict[str, set[str]]:
    group = typer.main.get_command(app)
    found = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        found[name] = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {"--help"}
    found[""] = {opt for param in group.params for opt in param.opts} | {"--help"}  # bulkhead --install-completion
    return found


def unknown_commands(markdown: str, commands: dict[str, set[str]]) -> list[str]:
    """`bulkhead X --opt` shown in code where X is no command or --opt no option of it."""
    problems = []
    for line in _code_lines(markdown):
        for match in re.finditer(r"(?:^|[\s/(])bulkhead ([-\w]+)((?:[^|;&>]*)?)", line):
            word, rest = match.group(1), match.group(2)
            command = "" if word.startswith("-") else word
            if command not in commands:
                problems.append(f"bulkhead {word}")
                continue
            flags = re.findall(r"(?:^|\s)(--?[a-z][\w-]*)", (word + " " if not command else "") + rest)
            problems += [f"bulkhead {word} {flag}" for flag in flags if flag not in commands[command]]
    return problems


@pytest.mark.parametrize("path", DOCS + CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_and_markdown_file_named_resolves_inside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    problems = unresolved_mentions(text, path)
    if path.suffix == ".md":
        problems += broken_links(text, path)
    assert problems == []


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_make_target_and_bulkhead_command_a_document_shows_exists(path):
    text = path.read_text(encoding="utf-8")
    assert missing_make_targets(text, make_targets()) == []
    assert unknown_commands(text, command_options()) == []


def test_the_checks_find_what_they_look_for(tmp_path):
    page = tmp_path / "page.md"
    design = "DES" + "IGN.md"  # spelled apart so this file names no missing document itself
    text = (f"See [the design]({design}) and ../shared/{design}, [ok](page.md), [web](https://x.org/a.md).\n"
            "```sh\nmake venv\nmake test\nbulkhead validate x.yaml --strict\nbulkhead deploy x\n"
            "bulkhead plan x --cloud aws --format json | jq .\n```\n`bulkhead --install-completion`\n")
    page.write_text(text)
    assert broken_links(text, page) == [design]
    assert unresolved_mentions(text, page) == [design, f"../shared/{design}"]
    assert missing_make_targets(text, make_targets()) == ["venv"]
    assert unknown_commands(text, command_options()) == ["bulkhead validate --strict", "bulkhead deploy"]
