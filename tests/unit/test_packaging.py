"""The Lambda layer installs exactly what the project declares."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO_ROOT


def _layer_requirements() -> list[str]:
    text = (REPO_ROOT / "layers/courteous/requirements.txt").read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def test_layer_requirements_are_the_projects_runtime_pins() -> None:
    # Given the project's runtime dependencies
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = project["project"]["dependencies"]
    # When the layer's requirements are read
    layer = _layer_requirements()
    # Then they are the same pins, each pinned exactly
    assert sorted(layer) == sorted(declared)
    assert all("==" in requirement for requirement in layer)
