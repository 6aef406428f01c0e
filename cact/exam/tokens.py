"""Sitting tokens: six characters a participant can read off a projector without confusion."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: nothing that reads as something else on a projector or a login card.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 6


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(token: str) -> str:
    return token.strip().upper()


# The rate limiter's keys for kiosk logins: per participant and address, and per address.
def kiosk_login_key(participant_no: str, ip: str | None = None) -> str:
    """The rate limiter's key for kiosk logins of one participant from one address."""
    return f"{kiosk_participant_prefix(participant_no)}{ip or 'unknown'}"


def kiosk_participant_prefix(participant_no: str) -> str:
    return f"kiosk-login:p:{participant_no.strip().upper()}:at:"


def kiosk_address_key(ip: str | None) -> str:
    return f"kiosk-login:ip:{ip or 'unknown'}"
