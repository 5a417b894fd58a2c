"""A shop's configuration as its operators see it: read, validated, written, compared."""
