"""Fixtures shared by tests in several folders.

Suite-wide: every SARIF log a test makes is checked against the official SARIF 2.1.0 schema.
bulkhead builds every log in infra.sarif (`sarif_log` for verify's findings and `completed_log`
for observe's results, infra/flows/sarif.py, when a run finished; `failed_log` for one that did
not), and the CLI looks those functions up when it writes. Wrapping them here checks
each log as it is made, whatever the test asserts about it; a violation fails the test that made
it (collected, then raised after the test: raising inside the CLI would look like an exit code).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infra import yaml_parse
from tests.sarif_schema import sarif_errors


@pytest.fixture(params=["libyaml", "ruamel"])
def parser(request, monkeypatch):
    """Each parser the model loader can run on: libyaml (PyYAML's C extension) or ruamel.yaml.

    The ruamel case hides libyaml, as on an install where PyYAML was built without it.
    """
    if request.param == "ruamel":
        monkeypatch.setattr(yaml_parse, "LIBYAML", None)
    elif yaml_parse.LIBYAML is None:
        pytest.skip("PyYAML is built without libyaml here")
    return request.param


@pytest.fixture(autouse=True)
def every_sarif_log_follows_the_official_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    import infra.sarif

    made: list[Any] = []
    for name in ("sarif_log", "completed_log", "failed_log"):
        original = getattr(infra.sarif, name)

        def checked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            log = _original(*args, **kwargs)
            made.append(log)
            return log

        monkeypatch.setattr(infra.sarif, name, checked)
    yield made
    problems = [f"log {i}: {error}" for i, log in enumerate(made) for error in sarif_errors(log)]
    assert not problems, "SARIF that breaks the official schema:\n" + "\n".join(problems)
