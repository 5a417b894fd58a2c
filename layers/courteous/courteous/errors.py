"""Typed domain errors. Each edge maps them in one place (HTTP status, retry or DLQ)."""


class CourteousError(Exception):
    """Base of the domain's own errors."""


class RetryableError(CourteousError):
    """A dependency failed in a way that may pass: leave the work for a retry."""


class PermanentError(CourteousError):
    """The input can never succeed: retrying will not help."""


class ContentViolation(PermanentError):
    """A rendered message breaks the content policy; `rule` names the rule broken."""

    def __init__(self, rule: str, detail: str = "") -> None:
        super().__init__(f"{rule}: {detail}" if detail else rule)
        self.rule = rule
        self.detail = detail
