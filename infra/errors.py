"""Error types. Library code raises these; only infra/cli/ prints them and sets exit codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a model file, located for a human: `file:line:col: path: what; fix`."""

    file: str
    line: int
    column: int
    path: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        path = f" {self.path}:" if self.path else ""
        fix = f"; {self.fix}" if self.fix else ""
        return printable(f"{where}:{path} {self.message}{fix}")


def printable(text: str) -> str:
    """`text` with control characters escaped (`web\\n`): one line per problem, even when a name or value
    quoted in it ends in a newline."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True)
class Problem:
    """A problem found in a parsed model, located by its model path (e.g. ("flows", 2, "to")).

    The loader turns it into a `Diagnostic` by looking the path up in the YAML's line marks.
    """

    loc: tuple[str | int, ...]
    message: str
    fix: str
    key: bool = False  # point at the key itself (a name), not at its value
    see: tuple[str | int, ...] = ()  # a second place the problem involves (a guardrail); its line is shown too


class FixableValueError(ValueError):
    """A field validator's complaint that knows its fix; the loader shows `what; fix` apart.

    A ValueError so pydantic collects it with the field's location like any other.
    """

    def __init__(self, what: str, fix: str):
        self.what, self.fix = what, fix
        super().__init__(f"{what}; {fix}")


class BulkheadError(Exception):
    """Base of every error bulkhead raises on purpose."""

    exit_code = 1


class ModelError(BulkheadError):
    """The model (or another user input) is invalid. Carries every problem found, not the first."""

    exit_code = 2

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.file, d.line, d.column, d.path))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class UsageError(BulkheadError):
    """A command-line input that is not a model file is wrong (a missing directory, say)."""

    exit_code = 2


@dataclass(frozen=True)
class SnapshotProblem:
    """One problem in a raw snapshot: `file: json.path: what is wrong; fix`.

    `path` is the place inside the JSON document (`Subnets[3].CidrBlock`), empty when the
    problem is the whole file; `line`/`column` are set only where the JSON text itself is broken.
    """

    file: str
    path: str
    message: str
    fix: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        path = f" {self.path}:" if self.path else ""
        return f"{where}:{path} {self.message}; {self.fix}"


class SnapshotError(BulkheadError):
    """A snapshot (saved or just read live) is not what the collector writes. Carries every problem."""

    exit_code = 2

    def __init__(self, problems: list[SnapshotProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class WrongPlace(BulkheadError):
    """None of the model's resources exist where the command looked (account, region, project...)."""

    exit_code = 2


class CloudError(BulkheadError):
    """A cloud API failed: credentials, quota, throttling. Names the cloud, operation, resource."""

    exit_code = 3

    def __init__(self, cloud: str, operation: str, resource: str, detail: str):
        self.cloud, self.operation, self.resource, self.detail = cloud, operation, resource, detail
        super().__init__(f"{cloud}: {operation} {resource}: {detail}")


class VerificationFailed(BulkheadError):
    """The cloud does not match the model; the report says how."""

    exit_code = 1
