"""The flow timers function."""
