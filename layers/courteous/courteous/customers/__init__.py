"""Customer profiles: birthdays, zones and consent, which order webhooks do not carry."""

from courteous.customers.store import (
    CustomerStore,
    CustomerStoreError,
    UnstorableCustomerIdError,
    birthday_dates,
)

__all__ = ["CustomerStore", "CustomerStoreError", "UnstorableCustomerIdError", "birthday_dates"]
