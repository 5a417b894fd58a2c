"""Contacts are normalised, then stored and logged only as keyed hashes.

A phone number is normalised to E.164 with `phonenumbers`, an e-mail address to its
trimmed, lower-cased form, so that "+86 138-0013-8000" and "+8613800138000" are one
recipient. Only a number libphonenumber knows to be assigned in its country is kept:
"555-555-5555" or "(11) 1111-1111" have the right length but no one can answer them,
and letters ("555-555-SHIP") are refused rather than read as a keypad spells them.
The hash is HMAC-SHA256 under a per-deployment key, so a leaked table does not reveal
who was contacted and cannot be reversed by hashing a phone-number space.

Three kinds of key name one person in the gate's table:
- `recipient_key(shop, contact)`: one contact at one shop (its opt-out and consent,
  and the sends counted for it);
- `customer_key(shop, customer_id)`: the shop's customer, whatever contact a message
  went to (the sends counted for the person);
- `contact_wide_key(contact)`: one contact at every shop, configured or not, today or
  later (a STOP to a shared number, a hard-bounced address, an invalid number).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re

import phonenumbers


class InvalidContactError(ValueError):
    """A phone number or e-mail address that cannot be a recipient."""


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Any letter, in any script (digits and punctuation are not letters).
_LETTER = re.compile(r"[^\W\d_]")


@functools.lru_cache(maxsize=4096)
def normalise_phone(text: str, default_region: str | None = None) -> str:
    """The E.164 form of a valid phone number; raises `InvalidContactError`.

    An RFC 3966 `tel:` prefix is read; any other letter refuses the number."""
    stripped = text.strip()
    if stripped[:4].lower() == "tel:":
        stripped = stripped[4:]
    if _LETTER.search(stripped):
        raise InvalidContactError("letters in a phone number")
    try:
        number = phonenumbers.parse(stripped, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidContactError(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidContactError("not a valid phone number (no such number is assigned)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(text: str) -> str:
    address = text.strip().lower()
    if not _EMAIL.match(address):
        raise InvalidContactError("not an e-mail address")
    return address


def normalise_contact(text: str) -> str:
    """A phone number (starts with + or a digit) or an e-mail address, normalised."""
    stripped = text.strip()
    if "@" in stripped:
        return normalise_email(stripped)
    return normalise_phone(stripped)


def contact_hash(key: bytes, shop_id: str, contact: str) -> str:
    """The keyed hash that stands for one recipient of one shop (hex, 128 bits)."""
    message = f"{shop_id}\x1f{normalise_contact(contact)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def recipient_key(key: bytes, shop_id: str, contact: str) -> str:
    """The partition key of one recipient in the gate table."""
    return f"R#{shop_id}#{contact_hash(key, shop_id, contact)}"


def customer_key(key: bytes, shop_id: str, customer_id: str) -> str:
    """The partition key of one shop's customer in the gate table (the id is hashed too:
    some shops use an e-mail address or a phone number as their customer id)."""
    message = f"{shop_id}\x1fcustomer\x1f{customer_id}".encode()
    return f"R#{shop_id}#c{hmac.new(key, message, hashlib.sha256).hexdigest()[:32]}"


def contact_wide_key(key: bytes, contact: str) -> str:
    """The partition key of one contact across every shop in the gate table."""
    # The record separator cannot begin a shop id, so no shop's hash can collide.
    message = f"\x1eevery-shop\x1f{normalise_contact(contact)}".encode()
    return f"K#{hmac.new(key, message, hashlib.sha256).hexdigest()[:32]}"
