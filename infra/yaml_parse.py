"""YAML text -> composed nodes and data: libyaml (C) when PyYAML has it, ruamel.yaml otherwise.

`parse` reads a model; `parse_documents` reads any YAML bulkhead takes in with the limits and
scalar rules its reader passes (a folder of Kubernetes manifests: many documents per file).

libyaml parses a 1,000-segment model about ten times faster than ruamel.yaml's pure-Python
parser. Its events go through the same composer (infra/yaml_compose.py) as ruamel's, so
the result does not depend on which parser ran. When libyaml refuses a file, ruamel reads
it again to say what is wrong: its messages are the ones bulkhead's hints were written for
(the file is small enough, see MAX_BYTES, and only broken files pay twice; a larger file, a
manifest export, is told in libyaml's words rather than read twice).

Before any parser sees the text, the file's size and characters are checked here: a
control character stops both parsers with an unlocated error, and a huge file should not
be read at all.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from infra.errors import Diagnostic, ModelError
from infra.yaml_compose import YAML_1_2, Composed, Composer, Limits, Scalars

MAX_BYTES = 4 * 1024 * 1024  # a 1,000-segment / 5,000-flow model is ~250 KB

try:  # PyYAML is a core dependency, but its C extension is built only where libyaml was found
    from yaml import CBaseLoader as _LibyamlLoader
    from yaml import YAMLError as _LibyamlError
except ImportError:  # pragma: no cover - depends on the PyYAML build
    _LibyamlLoader = None
    _LibyamlError = Exception

LIBYAML = _LibyamlLoader  # None forces the pure-Python parser (tests set it to try that path)

# Characters YAML does not allow anywhere (YAML 1.2, 5.1); both parsers stop at them.
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_REPORTED_CHARACTERS = 10


def parser_name() -> str:
    return "libyaml" if LIBYAML is not None else "ruamel.yaml (pure Python)"


def size_problem(size: int | None, file: str) -> Diagnostic | None:
    """The file is too large; `size` None when it is known only to be over the limit (a pipe, a device)."""
    if size is not None and size <= MAX_BYTES:
        return None
    said = f"{size:,} bytes" if size is not None else f"more than {MAX_BYTES:,} bytes"
    return Diagnostic(file, 1, 1, "", f"the file is {said}, over the limit of {MAX_BYTES:,} for a model",
                      "check that this is the model file; one with thousands of segments is under 1 MB")


def read_limited(path: Path, file: str) -> str:
    """The text of a model (or waivers) file, having read at most MAX_BYTES + 1 bytes of it.

    A regular file's size is known before reading, but a pipe, /dev/stdin or /dev/zero has
    none: only the bytes actually read tell, so no kind of file is read without bound.
    Line ends are kept as written (CRLF stays CRLF: `pin` writes the text back).
    Raises ModelError when the file is too large; OSError and UnicodeDecodeError as reading does.
    """
    with path.open("rb", buffering=0) as stream:  # unbuffered: a buffer would read ahead of the limit
        status = os.fstat(stream.fileno())
        regular = stat.S_ISREG(status.st_mode)
        too_big = size_problem(status.st_size, file) if regular else None  # before reading any of it
        data = b"" if too_big is not None else _read_at_most(stream, MAX_BYTES + 1)
    if too_big is None and len(data) > MAX_BYTES:
        too_big = size_problem(None, file)
    if too_big is not None:
        raise ModelError([too_big])
    return data.decode("utf-8")


def _read_at_most(stream: Any, limit: int) -> bytes:
    """Up to `limit` bytes; a pipe hands them over in pieces, so read until there are enough or none are left."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = stream.read(min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def parse(text: str, file: str) -> Composed:
    """Compose `text`; raise ModelError for a file that is too big, not text, or not YAML."""
    too_big = size_problem(len(text.encode("utf-8", "surrogatepass")), file)
    if too_big is not None:
        raise ModelError([too_big])
    directive = _version_directive_problem(text, file)
    if directive is not None:
        raise ModelError([directive])
    return parse_documents(text, file, None, YAML_1_2, "a model")[0]


# The `%` lines before the document: only comments and blank lines may sit between them.
_DIRECTIVE = re.compile(r"%YAML[ \t]+(\S*)")
_PREFIX_LINE = re.compile(r"[ \t]*(#.*)?|%.*")


def _version_directive_problem(text: str, file: str) -> Diagnostic | None:
    """A `%YAML` directive naming another version than 1.2. Both parsers take `%YAML 1.1` (libyaml
    with no word) but bulkhead reads every model as YAML 1.2, where `010` is ten and `yes` is text:
    the file would not mean what its directive says."""
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        if not _PREFIX_LINE.fullmatch(line):
            return None  # the document has started: a `%` further down is content
        found = _DIRECTIVE.match(line)
        if found and found.group(1) != "1.2":
            return Diagnostic(file, number, 1, "", f"%YAML {found.group(1)}: a model is YAML 1.2, whatever a "
                              "directive says", "remove the %YAML line (or write %YAML 1.2) and check the values "
                              "YAML 1.1 reads differently: in 1.2 010 is ten, and yes, on and off are text")
    return None


def parse_documents(text: str, file: str, limits: Limits | None, scalars: Scalars, what: str) -> list[Composed]:
    """Every document of `text` (one for a model: see Limits.documents), composed within `limits`.

    Raises ModelError for characters YAML does not allow and for broken YAML (located);
    `what` names the file in the fix ("a model", "a manifest"). The caller checks the size.
    """
    characters = _character_problems(text, file, what)
    if characters:
        raise ModelError(characters)
    if LIBYAML is not None:
        loader = LIBYAML(text)
        try:
            return _documents(Composer(file, limits, scalars), iter(loader.get_event, None))
        except _LibyamlError as exc:
            if len(text) > MAX_BYTES and getattr(exc, "problem_mark", None) is not None:
                raise _syntax_error(exc, file) from None  # too big to read twice: libyaml's words
            # else said again below, in ruamel's words
        finally:
            loader.dispose()
    return _pure(text, file, Composer(file, limits, scalars))


def _documents(composer: Composer, events: Any) -> list[Composed]:
    done = composer.compose_all(events)
    return done or [Composed(None, None, tuple(composer.problems))]


def _pure(text: str, file: str, composer: Composer) -> list[Composed]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _documents(composer, YAML(typ="safe", pure=True).parse(text))
    except MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except YAMLError as exc:  # unlocated (the character check above should have caught it)
        raise ModelError([Diagnostic(file, 1, 1, "", f"invalid YAML: {exc}", _SYNTAX_FIX)]) from None


def _character_problems(text: str, file: str, what: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for match in _NOT_PRINTABLE.finditer(text):
        if len(found) == _REPORTED_CHARACTERS:
            break
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        code = f"U+{ord(match.group()):04X}"
        character = f"a NUL byte ({code})" if match.group() == "\0" else f"the control character {code}"
        found.append(Diagnostic(file, line, column, "", f"{character} is not allowed in YAML",
                                f"remove it; {what} is plain UTF-8 text"))
    return found


_SYNTAX_FIX = "fix the syntax (indentation, a missing ':', quote or bracket)"
# ruamel's wording is about parser states; say what the author most likely did.
_SYNTAX_HINTS = [
    ("expected <block end>", " (this line is indented differently from the lines above it)"),
    ("mapping values are not allowed", " (a ':' where YAML expects a value; quote it or fix the indentation)"),
    ("expected ',' or ']'", " (a '[' list is not closed)"),
    ("expected ',' or '}'", " (a '{' mapping is not closed)"),
    ("found character '\\t'", " (YAML does not allow tabs for indentation)"),
]


def _syntax_error(exc: Any, file: str) -> ModelError:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = (exc.problem or exc.context or "invalid YAML").strip()
    hint = next((h for words, h in _SYNTAX_HINTS if words in what), "")
    return ModelError([Diagnostic(file, line, col, "", f"invalid YAML: {what}{hint}", _SYNTAX_FIX)])
