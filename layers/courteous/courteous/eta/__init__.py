"""Delivery estimates learned from the shop's own deliveries (see `model`)."""
