"""The inbound SMS function."""
