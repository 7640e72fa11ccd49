"""Fixtures shared by tests in several folders."""

from __future__ import annotations

import pytest

from infra import yaml_parse


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
