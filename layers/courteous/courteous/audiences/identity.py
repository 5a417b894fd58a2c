"""Which customer an order or a profile is about, in the names payment reminders use.

A buyer goes by the shop's customer id (`C<id>`) and by a keyed hash of each contact
(`H<hash>`, `recipients.identity.contact_hash`); no contact is ever in clear in a key.
The facts keep one record per customer, keyed by ONE of those names, chosen from the
order's own customer block so that the choice does not depend on which event arrived
first: the e-mail address's hash, else the phone number's, else the shop's customer id.
Contacts come first because a shop's order export names buyers by contact (Shopify's
has no customer id) while its webhooks name them by both: an imported order and a live
one of the same buyer then meet. A buyer who uses another e-mail address on a later
order is a second customer; see docs/decisions.md for the merge that was not built.
"""

from __future__ import annotations

import hashlib

from courteous.events.models import OrderCustomer
from courteous.recipients.identity import contact_hash

# Facts of one shop are spread over this many partitions (see docs/decisions.md).
SHARDS = 32


def buyer_names(key: bytes, shop_id: str, *customers: OrderCustomer | None) -> list[str]:
    """Every name the buyer goes by in the shop: the shop's customer id and a keyed
    hash of each contact, sorted and without repeats."""
    names: set[str] = set()
    for customer in customers:
        if customer is None:
            continue
        if customer.customer_id:
            names.add(f"C{customer.customer_id}")
        for contact in (customer.phone, customer.email):
            if contact:
                names.add(f"H{contact_hash(key, shop_id, contact)}")
    return sorted(names)


def customer_key(key: bytes, shop_id: str, customer: OrderCustomer) -> str | None:
    """The one name the facts file this customer under, or None for a block that names
    nobody (no contact, no customer id)."""
    for contact in (customer.email, customer.phone):
        if contact:
            return f"H{contact_hash(key, shop_id, contact)}"
    if customer.customer_id:
        return f"C{customer.customer_id}"
    return None


def shard_of(customer: str, shards: int = SHARDS) -> int:
    """The partition a customer's facts live in: a stable hash, spread evenly."""
    digest = hashlib.blake2b(customer.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards
