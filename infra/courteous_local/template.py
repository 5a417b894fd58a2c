"""Read `template.yaml` as CloudFormation does: tags become intrinsic functions.

`load_template` parses the YAML with a loader that turns the short forms (`!Ref X`,
`!GetAtt A.B`, `!Sub ...`, `!Join`, `!Select`, `!Split`, `!If`, `!Equals`, `!Not`,
`!FindInMap`, `!GetAZs`, `!ImportValue`, `!Base64`, `!Condition`) into their long
forms (`{"Ref": X}`, `{"Fn::GetAtt": [A, B]}`, ...). `Resolver` evaluates them against
the physical names and attributes of the resources the local stack created, so nothing
is copied by hand from the template and nothing is stripped with a regex.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_SHORT_FORMS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "FindInMap": "Fn::FindInMap",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
    "Base64": "Fn::Base64",
    "Cidr": "Fn::Cidr",
    "Length": "Fn::Length",
    "ToJsonString": "Fn::ToJsonString",
}


class TemplateError(ValueError):
    """The template cannot be read or resolved; the message names the place."""


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = _SHORT_FORMS.get(suffix)
    if name is None:
        raise TemplateError(f"unknown CloudFormation tag !{suffix} at {node.start_mark}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


@dataclass(frozen=True)
class Template:
    """A parsed template: resources, parameters, globals and outputs in long form."""

    body: dict[str, Any]
    path: Path | None = None

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.body.get("Resources") or {})

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        return dict(self.body.get("Parameters") or {})

    @property
    def function_globals(self) -> dict[str, Any]:
        return dict((self.body.get("Globals") or {}).get("Function") or {})

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {
            name: resource
            for name, resource in self.resources.items()
            if resource.get("Type") in types
        }

    def properties(self, logical_id: str) -> dict[str, Any]:
        try:
            resource = self.resources[logical_id]
        except KeyError:
            raise TemplateError(f"no resource {logical_id!r} in the template") from None
        return dict(resource.get("Properties") or {})


def parse_template(text: str, path: Path | None = None) -> Template:
    try:
        body = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass  # nosec B506
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path or 'template'}: not valid YAML: {exc}") from exc
    if not isinstance(body, dict) or "Resources" not in body:
        raise TemplateError(f"{path or 'template'}: no Resources section")
    return Template(body=body, path=path)


def load_template(path: Path) -> Template:
    return parse_template(path.read_text(encoding="utf-8"), path)


def default_template_path() -> Path:
    """`template.yaml` at the repository root (this package lives in `infra/`)."""
    return Path(__file__).resolve().parents[2] / "template.yaml"


_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass
class Resolver:
    """Evaluates intrinsic functions against what the local stack created.

    `refs[logical_id]` is what `!Ref` returns (a table name, a queue URL, ...);
    `attributes[logical_id][attribute]` is what `!GetAtt` returns (an ARN, a name).
    Pseudo parameters (`AWS::Region`, ...) and template parameters (their defaults, or
    `parameter_values`) are resolved too. An unknown reference is an error, never a
    silent empty string.
    """

    template: Template
    region: str = "us-east-1"
    account: str = "123456789012"
    stack_name: str = "local"
    parameter_values: Mapping[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)

    def pseudo(self) -> dict[str, str]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.stack_name}/local"
            ),
        }

    def ref(self, name: str) -> str:
        pseudo = self.pseudo()
        if name in pseudo:
            return pseudo[name]
        if name in self.parameter_values:
            return str(self.parameter_values[name])
        if name in self.template.parameters:
            default = self.template.parameters[name].get("Default")
            if default is None:
                raise TemplateError(f"parameter {name} has no default and no value")
            return str(default)
        if name in self.refs:
            return self.refs[name]
        raise TemplateError(f"!Ref {name}: no such parameter or created resource")

    def get_att(self, resource: str, attribute: str) -> str:
        try:
            return self.attributes[resource][attribute]
        except KeyError:
            raise TemplateError(f"!GetAtt {resource}.{attribute}: not known locally") from None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            function = self._functions().get(key)
            if function is not None:
                return function(argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": lambda name: self.ref(str(self.resolve(name))),
            "Fn::GetAtt": self._fn_get_att,
            "Fn::Sub": self._fn_sub,
            "Fn::Join": lambda args: str(self.resolve(args[0])).join(
                str(part) for part in self.resolve(args[1])
            ),
            "Fn::Select": lambda args: self.resolve(args[1])[int(self.resolve(args[0]))],
            "Fn::Split": lambda args: str(self.resolve(args[1])).split(str(self.resolve(args[0]))),
            "Fn::GetAZs": lambda _region: [f"{self.region}a", f"{self.region}b"],
            "Fn::Base64": self._fn_base64,
        }

    def _fn_get_att(self, argument: Any) -> str:
        if isinstance(argument, str):
            resource, _, attribute = argument.partition(".")
        else:
            resource, attribute = (str(self.resolve(part)) for part in argument)
        return self.get_att(resource, attribute)

    def _fn_sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = (
                str(argument[0]),
                {key: str(self.resolve(item)) for key, item in dict(argument[1]).items()},
            )
        else:
            text, variables = str(argument), {}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in variables:
                return variables[name]
            if "." in name and not name.startswith("AWS::"):
                resource, _, attribute = name.partition(".")
                return self.get_att(resource, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(substitute, text).replace("${!", "${")

    def _fn_base64(self, argument: Any) -> str:
        import base64

        return base64.b64encode(str(self.resolve(argument)).encode()).decode()
