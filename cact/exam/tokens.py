"""Sitting tokens: six characters a participant can read off a projector without confusion."""

from __future__ import annotations

import secrets

from cact.kit.ratelimit import Key, account_key, address_key

# No 0/O, 1/I/L: nothing that reads as something else on a projector or a login card.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(token: str) -> str:
    return token.strip().upper()


# The rate limiter's keys for kiosk logins: per participant and address, and per address.
def kiosk_account(participant_no: str) -> str:
    """The limiter's account of a participant, however the number was typed."""
    return f"kiosk:{participant_no.strip().upper()}"


def kiosk_login_key(participant_no: str, ip: str | None = None) -> Key:
    """The rate limiter's key for kiosk logins of one participant from one address."""
    return account_key("kiosk", participant_no.strip().upper(), ip)


def kiosk_address_key(ip: str | None) -> Key:
    return address_key("kiosk", ip)
