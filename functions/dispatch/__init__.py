"""The dispatch function."""
