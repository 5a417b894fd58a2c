"""The birthday run function."""
