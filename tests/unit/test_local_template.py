"""The local stack reads `template.yaml` as CloudFormation does (tags, intrinsics)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from courteous_local.template import (
    Resolver,
    TemplateError,
    default_template_path,
    load_template,
    parse_template,
)

PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::Partition", "AWS::URLSuffix"}


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_the_real_template_reads_with_its_tags_in_long_form() -> None:
    # Given the project's template
    template = load_template(default_template_path())
    # When it is read
    dispatch = template.properties("DispatchFunction")
    # Then short-form tags became the intrinsic functions they stand for
    assert dispatch["Events"]["Outbox"]["Properties"]["Queue"] == {
        "Fn::GetAtt": ["OutboxQueue", "Arn"]
    }
    assert template.function_globals["Layers"] == [{"Ref": "DomainLayer"}]
    assert template.properties("GateTable")["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }


def test_every_reference_in_the_real_template_names_something_that_exists() -> None:
    # Given the project's template
    template = load_template(default_template_path())
    known = set(template.resources) | set(template.parameters) | PSEUDO
    # When every Ref, GetAtt and ${...} in a Sub is collected
    missing = []
    for key, value in _walk(template.body):
        if key == "Ref" and value not in known:
            missing.append(value)
        elif key == "Fn::GetAtt" and value[0] not in template.resources:
            missing.append(value[0])
        elif key == "Fn::Sub":
            text = value if isinstance(value, str) else value[0]
            for name in re.findall(r"\$\{([^}!]+)\}", text):
                if name.split(".")[0] not in known and not isinstance(value, list):
                    missing.append(name)
    # Then none is dangling
    assert missing == []


def test_the_resolver_evaluates_sub_join_select_and_split() -> None:
    # Given a template with a parameter and a created queue
    template = parse_template(
        """
Parameters:
  Stage: {Type: String, Default: prod}
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Thing:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub /app/${Stage}/${AWS::Region}/${Queue.QueueName}
      Value: !Join ["-", [a, !Ref Stage, !Select [1, !Split [",", "x,y,z"]]]]
      Literal: !Sub "${!NotAVariable}"
      Pairs: !Sub ["${Word}-${AWS::AccountId}", {Word: !Ref Stage}]
"""
    )
    resolver = Resolver(template, region="eu-west-3", account="111122223333")
    resolver.refs["Queue"] = "https://queue/url"
    resolver.attributes["Queue"] = {"QueueName": "the-queue"}
    # When the properties are resolved
    resolved = resolver.resolve(template.properties("Thing"))
    # Then every intrinsic has its value
    assert resolved == {
        "Name": "/app/prod/eu-west-3/the-queue",
        "Value": "a-prod-y",
        "Literal": "${NotAVariable}",
        "Pairs": "prod-111122223333",
    }


def test_an_unknown_reference_is_an_error_not_an_empty_string() -> None:
    template = parse_template("Resources:\n  A:\n    Type: X\n    Properties: {B: !Ref Nope}\n")
    with pytest.raises(TemplateError, match="Nope"):
        Resolver(template).resolve(template.properties("A"))


def test_an_unknown_tag_is_refused_with_where_it_is() -> None:
    with pytest.raises(TemplateError, match="!Bogus"):
        parse_template("Resources:\n  A: !Bogus x\n")
