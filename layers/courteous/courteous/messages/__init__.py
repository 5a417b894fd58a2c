"""The outbox contract: what every flow enqueues and the dispatcher consumes.

A flow never calls a channel. It builds a `MessageRequest` (who, what kind, which
order, the template data, when it may go and until when it is worth sending) and puts
it on the outbox queue; the dispatcher passes it through the contact gate.
"""

from courteous.messages.models import (
    KIND_CLASSES,
    Channel,
    Kind,
    MessageClass,
    MessageRequest,
    Recipient,
)

__all__ = [
    "KIND_CLASSES",
    "Channel",
    "Kind",
    "MessageClass",
    "MessageRequest",
    "Recipient",
]
