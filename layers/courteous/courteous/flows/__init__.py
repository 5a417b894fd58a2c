"""The message flows: canonical events and timers in, `MessageRequest`s on the outbox out."""
