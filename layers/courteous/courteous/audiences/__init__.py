"""Audiences: what every customer has bought, RFM scores and segments over them.

- `models`, `rules`: orders and customer facts, and how a word on an order changes
  them (pure).
- `store`: the facts on DynamoDB, updated atomically and idempotently.
- `rfm`, `recompute`: quintile scores and named cells, recomputed daily by a fan-out
  over the shop's shards.
- `segments`, `members`: the query language and the paging a campaign stands on.
- `imports`: shops' order exports (Shopify, WooCommerce, the canonical CSV).
"""
