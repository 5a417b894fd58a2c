"""The order flows function."""
