"""One-click unsubscribe (RFC 8058): signed links in marketing and service e-mail, and
what happens when a customer follows one (by a POST, a GET page or a mailto)."""
