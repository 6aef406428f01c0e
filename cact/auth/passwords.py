"""argon2id password hashes (hashing is deliberately slow, so it runs off the event loop) and
the strength policy for new staff passwords (zxcvbn, the estimator Dropbox published)."""

from __future__ import annotations

from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

# Verified against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("cact-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def hash_password_async(password: str) -> str:
    return await to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await to_thread.run_sync(verify)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


MIN_LENGTH = 10
# zxcvbn's score 3: "safely unguessable: moderate protection from an offline slow-hash
# scenario" — the hashes are argon2id, so this is the attack a stolen backup meets.
MIN_SCORE = 3
# Words an attacker who knows the room would try first.
CONTEXT_WORDS = (
    "cact",
    "asesmen",
    "kompetensi",
    "ujian",
    "bkd",
    "bkpsdm",
    "bkn",
    "admin",
    "editor",
    "proktor",
    "pengawas",
    "peserta",
    "sandi",
    "password",
)


def password_problem(password: str, context: tuple[str, ...] = ()) -> str | None:
    """Why a new staff password is refused (both languages), or None when it is good enough."""
    if len(password.strip()) < MIN_LENGTH:
        return (
            f"Kata sandi minimal {MIN_LENGTH} karakter (tanpa spasi di awal/akhir). / "
            f"A password needs at least {MIN_LENGTH} characters (not counting spaces at the ends)."
        )
    words = [word for word in (*CONTEXT_WORDS, *context) if word]
    result = zxcvbn(password, user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    hint = result["feedback"]["warning"] or "Add more words or characters."
    return (
        "Kata sandi terlalu mudah ditebak; pakai beberapa kata yang tidak berhubungan atau "
        f"lebih panjang. / The password is too easy to guess: {hint}"
    )
