"""Git, read-only: a model as it was at a revision (`git:REF:path`) and the repository root.

`bulkhead diff git:origin/main:segments.yaml segments.yaml` reviews a pull request without a
second checkout; SARIF paths are relative to the repository root so that code scanning can
anchor alerts. Both go through the `git` command the user already has (`git show`,
`git rev-parse`): no library, and the same answer as the user's own git.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from infra.errors import Diagnostic, ModelError

PREFIX = "git:"


def is_revision(spec: str) -> bool:
    """`git:REF:path` names a file at a revision; anything else is a path."""
    return spec.startswith(PREFIX)


def read_revision(spec: str, cwd: Path | None = None) -> str:
    """The text of `path` at `REF` (`git show REF:path`); a located ModelError when git cannot give it.

    As with `git show`, the path is from the repository root, or relative to the current
    directory when written `./path`.
    """
    ref, sep, path = spec[len(PREFIX):].partition(":")
    if not ref or not sep or not path:
        raise _unreadable(spec, "is not git:REF:path", "write e.g. git:origin/main:examples/ai-platform.yaml")
    if ref.startswith("-") or path.startswith("-"):
        # git would take it for an option (`--output=FILE` writes a file); no ref or path starts so
        raise _unreadable(spec, "the REF or path starts with '-'",
                          "name a branch, tag or commit and a path, e.g. git:origin/main:examples/ai-platform.yaml")
    try:
        done = _git(["show"], f"{ref}:{path}", cwd)
    except FileNotFoundError:
        raise _unreadable(spec, "git is not installed", "install git, or pass the old model as a file") from None
    except subprocess.TimeoutExpired:
        raise _unreadable(spec, "git show did not answer within 60 s", "check the repository") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        reason = said[0].removeprefix("fatal: ") if said else f"git show exited {done.returncode}"
        raise _unreadable(spec, f"git cannot read it ({reason})",
                          "check the ref (git fetch it first in CI) and the path from the repository root")
    if done.stdout.startswith(f"tree {ref}:{path}\n".encode()) and _is_tree(f"{ref}:{path}", cwd):
        raise _unreadable(spec, f"names a directory ({path}), not a file",
                          f"name the model file inside it, e.g. git:{ref}:{path.rstrip('/')}/<model>.yaml")
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable(spec, "is not UTF-8 text", "point at the YAML model") from None


def _git(command: list[str], object_name: str, cwd: Path | None) -> subprocess.CompletedProcess[bytes]:
    """`git COMMAND... --end-of-options REF:path`: after the marker git reads nothing as an option, so
    a REF that slipped past the checks above can still never make git write or run anything."""
    return subprocess.run(["git", *command, "--end-of-options", object_name], cwd=cwd, capture_output=True,
                          timeout=60)


def _is_tree(object_name: str, cwd: Path | None) -> bool:
    """Whether `REF:path` is a directory: `git show` prints a tree as a listing headed `tree REF:path`,
    which a model file could in principle start with too, so git is asked."""
    try:
        done = _git(["cat-file", "-t"], object_name, cwd)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == b"tree"


def repository_root(start: Path) -> Path | None:
    """The root of the git work tree holding `start` (a directory), or None outside one."""
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=start, capture_output=True, text=True,
                              timeout=30)
    except (FileNotFoundError, NotADirectoryError, subprocess.TimeoutExpired):
        return None
    root = done.stdout.strip()
    return Path(root) if done.returncode == 0 and root else None


def _unreadable(spec: str, what: str, fix: str) -> ModelError:
    return ModelError([Diagnostic(spec, 1, 1, "", what, fix)])
