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
