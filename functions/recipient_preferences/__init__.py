"""The recipient preferences function."""
