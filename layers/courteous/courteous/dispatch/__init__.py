"""The dispatcher: outbox message → contact gate → channel → delivery log."""
