"""Running the system inside this process: where the functions' logs go, and the
template's resources on moto's in-process emulation, for the tools that need them
(the benchmark, `courteous preview`, `courteous demo`)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TextIO

from courteous_local.provision import Provisioned

# Credentials and switches for emulated AWS: nothing here can reach a real account.
EMULATED_ENV = {
    "AWS_ACCESS_KEY_ID": "emulated",
    "AWS_SECRET_ACCESS_KEY": "emulated",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
}


@contextlib.contextmanager
def function_logs_to(stream: TextIO) -> Iterator[None]:
    """The functions' log lines and metric flushes (both written to stdout) go to `stream`."""
    from courteous.observability import logger

    handler = logger.registered_handler
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        with contextlib.redirect_stdout(stream):
            yield
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]


@contextlib.contextmanager
def emulated_stack(**environment: str) -> Iterator[Provisioned]:
    """Every resource of template.yaml on moto in this process (End User Messaging SMS on
    our emulator, which moto lacks); the environment (emulated credentials, then
    `environment`) is restored afterwards."""
    import boto3
    from moto import mock_aws

    from courteous_local.provision import provision
    from courteous_local.sms_voice import ENDPOINT_VARIABLE, sms_voice_emulator
    from courteous_local.template import default_template_path, load_template

    saved = dict(os.environ)
    try:
        with mock_aws(), sms_voice_emulator() as sms:
            os.environ.update(EMULATED_ENV)
            os.environ[ENDPOINT_VARIABLE] = sms.endpoint
            os.environ.update(environment)
            yield provision(load_template(default_template_path()), boto3.client)
    finally:
        os.environ.clear()
        os.environ.update(saved)
