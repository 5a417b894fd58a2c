"""Integration fixtures: moto in-process, every resource built from `template.yaml`."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from courteous_local.provision import Provisioned, provision
from courteous_local.template import default_template_path, load_template

CONTACT_HASH_KEY = "integration-test-contact-key"


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provisioned]:
    """The template's resources in moto; the dispatcher's environment as deployed."""
    with mock_aws():
        template = load_template(default_template_path())
        created = provision(template, lambda service: boto3.client(service))
        dispatch = created.functions["DispatchFunction"]
        for name, value in dispatch.environment.items():
            monkeypatch.setenv(name, value)
        boto3.client("ssm").put_parameter(
            Name=dispatch.environment["CONTACT_HASH_KEY_PARAMETER"],
            Value=CONTACT_HASH_KEY,
            Type="SecureString",
        )
        boto3.client("sesv2").create_email_identity(
            EmailIdentity=dispatch.environment["SENDER_EMAIL"]
        )
        yield created
