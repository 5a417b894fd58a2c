"""What the deployment grants and where failed async work goes, checked on template.yaml.

- No statement allows DynamoDB, SQS, SES or Scheduler actions on `Resource: "*"`.
- Every asynchronous trigger has somewhere to put what fails: a DLQ on the rule or
  schedule target, an on-failure destination or DLQ on the function, or a redrive
  policy on the queue a function consumes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from courteous_local.template import Template, default_template_path, load_template

GUARDED_SERVICES = ("dynamodb:", "sqs:", "ses:", "scheduler:")
ASYNC_EVENT_TYPES = {"EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2", "SNS", "S3"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in template.resources.items():
        props = resource.get("Properties") or {}
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            for policy in _as_list(props.get("Policies") or []):
                if isinstance(policy, dict) and "Statement" in policy:
                    for statement in _as_list(policy["Statement"]):
                        yield name, statement
        elif kind == "AWS::IAM::Role":
            for policy in props.get("Policies") or []:
                for statement in _as_list(policy["PolicyDocument"]["Statement"]):
                    yield name, statement
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for statement in _as_list(props["PolicyDocument"]["Statement"]):
                yield name, statement


def wildcard_grants(template: Template) -> list[str]:
    found = []
    for owner, statement in _statements(template):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
        guarded = [a for a in actions if a == "*" or a.startswith(GUARDED_SERVICES)]
        resources = _as_list(statement.get("Resource", []))
        if guarded and ("*" in resources or "NotResource" in statement):
            found.append(f"{owner}: {', '.join(guarded)} on {resources or 'NotResource'}")
    return found


def _sam_policy_wildcards(template: Template) -> list[str]:
    """SAM policy templates scope by their parameter; a literal "*" defeats that."""
    found = []
    for name, resource in template.of_type("AWS::Serverless::Function").items():
        for policy in _as_list((resource.get("Properties") or {}).get("Policies") or []):
            if isinstance(policy, dict) and "Statement" not in policy:
                for template_name, parameters in policy.items():
                    if isinstance(parameters, dict) and "*" in parameters.values():
                        found.append(f"{name}: {template_name} with '*'")
    return found


def async_targets_without_failure_destination(template: Template) -> list[str]:
    missing = []
    queues = template.of_type("AWS::SQS::Queue")
    for name, resource in template.of_type("AWS::Serverless::Function").items():
        props = resource.get("Properties") or {}
        invoke = props.get("EventInvokeConfig") or {}
        function_has_destination = bool(
            props.get("DeadLetterQueue") or (invoke.get("DestinationConfig") or {}).get("OnFailure")
        )
        for event_name, event in (props.get("Events") or {}).items():
            kind, event_props = event.get("Type"), event.get("Properties") or {}
            if kind in ASYNC_EVENT_TYPES:
                if not (event_props.get("DeadLetterConfig") or function_has_destination):
                    missing.append(f"{name}.{event_name} ({kind})")
            elif kind == "SQS":
                queue = event_props.get("Queue")
                logical = queue.get("Fn::GetAtt", [None])[0] if isinstance(queue, dict) else None
                redrive = (queues.get(logical or "", {}).get("Properties") or {}).get(
                    "RedrivePolicy"
                )
                if not redrive:
                    missing.append(f"{name}.{event_name} (SQS queue {logical} without redrive)")
    for name, resource in template.of_type("AWS::Events::Rule").items():
        for target in (resource.get("Properties") or {}).get("Targets") or []:
            if not target.get("DeadLetterConfig"):
                missing.append(f"{name} target {target.get('Id')}")
    for name, resource in template.of_type("AWS::Scheduler::Schedule").items():
        if not ((resource.get("Properties") or {}).get("Target") or {}).get("DeadLetterConfig"):
            missing.append(f"{name} (schedule target)")
    return missing


def test_no_wildcard_resource_on_data_messaging_or_scheduler_actions() -> None:
    template = load_template(default_template_path())
    assert wildcard_grants(template) == []
    assert _sam_policy_wildcards(template) == []


def test_every_async_target_has_a_failure_destination() -> None:
    template = load_template(default_template_path())
    assert async_targets_without_failure_destination(template) == []


def test_the_checks_catch_what_they_look_for() -> None:
    # Given a template that grants too much and loses failed events
    from courteous_local.template import parse_template

    bad = parse_template(
        """
Resources:
  Q: {Type: AWS::SQS::Queue}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - Statement: [{Effect: Allow, Action: [dynamodb:PutItem], Resource: "*"}]
        - DynamoDBCrudPolicy: {TableName: "*"}
      Events:
        Rule: {Type: EventBridgeRule, Properties: {Pattern: {source: [x]}}}
        Queue: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn}}
"""
    )
    # Then each check names the fault
    assert wildcard_grants(bad) == ["F: dynamodb:putitem on ['*']"]
    assert _sam_policy_wildcards(bad) == ["F: DynamoDBCrudPolicy with '*'"]
    assert async_targets_without_failure_destination(bad) == [
        "F.Rule (EventBridgeRule)",
        "F.Queue (SQS queue Q without redrive)",
    ]
