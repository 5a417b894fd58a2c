"""The Lambda layer installs exactly what the project declares."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO_ROOT


def _layer_requirements(path: str = "layers/courteous/requirements.txt") -> list[str]:
    text = (REPO_ROOT / path).read_text(encoding="utf-8")
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


def test_the_reviews_function_installs_the_reviews_extra_and_the_layer_does_not() -> None:
    # Given the sentiment packages the project declares for reading reviews
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = project["project"]["optional-dependencies"]["reviews"]
    # When the reviews function's own requirements are read
    function = _layer_requirements("functions/review_flows/requirements.txt")
    # Then it installs exactly those pins, and the shared layer none of them
    assert sorted(function) == sorted(declared)
    assert all("==" in requirement for requirement in function)
    names = {requirement.split("==")[0].lower() for requirement in declared}
    layer = {
        requirement.split("==")[0].split("[")[0].lower() for requirement in _layer_requirements()
    }
    assert not names & layer
