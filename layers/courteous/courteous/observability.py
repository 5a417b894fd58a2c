"""The one place the domain gets its logger, tracer and metrics from.

Handlers decorate with these; the domain logs through them. Nothing here touches AWS
at import time. Contacts are never logged in clear: log `recipients.identity` hashes.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "courteous"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, auto_patch=False)
metrics = Metrics(namespace="Courteous", service=SERVICE)
