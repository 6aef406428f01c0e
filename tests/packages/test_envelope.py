"""The package envelope: signed by the sender, encrypted to the recipient, refused whole when
any byte differs, when the signer is unknown or revoked, or when it is meant for another server."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.keys import service as keys
from cact.keys.identity import Identity, PublicKey, init_identity
from cact.packages.envelope import (
    MAGIC,
    NotAPackage,
    NotForThisServer,
    PackageTampered,
    UnknownSigner,
    decode_payload,
    encode_payload,
    open_envelope,
    read_header,
    seal,
)
from cact.packages.models import PackageReceipt
from cact.packages.service import import_package, preview_package

RECORDS = {"items": [{"id": "M01-001", "stem": "Rahasia soal"}], "n": 900}


@pytest.fixture
def office(tmp_path: Path) -> Identity:
    return init_identity(tmp_path / "office", "Kantor BKPSDM")


@pytest.fixture
def room(tmp_path: Path) -> Identity:
    return init_identity(tmp_path / "room", "Lab SMKN 1")


def sealed(sender: Identity, recipient: PublicKey) -> bytes:
    return seal(
        encode_payload(RECORDS),
        kind="wave",
        sitting_external_id=uuid.uuid4(),
        version=1,
        identity=sender,
        recipient=recipient,
    )


def trusting(*keys: PublicKey) -> dict[str, PublicKey]:
    return {key.fingerprint: key for key in keys}


def test_the_recipient_opens_what_the_sender_sealed(office: Identity, room: Identity) -> None:
    data = sealed(office, room.public)
    opened = open_envelope(data, room, trusting(office.public))
    assert opened.records() == RECORDS
    assert opened.header.sender == office.fingerprint
    assert opened.header.recipient == room.fingerprint
    assert b"Rahasia" not in data  # a lost USB stick reveals no item


def test_one_flipped_byte_anywhere_is_refused(office: Identity, room: Identity) -> None:
    data = sealed(office, room.public)
    header_end = data.index(b"\n", len(MAGIC))
    places = sorted(
        {0, len(MAGIC) - 1, len(MAGIC) + 5, header_end - 3, header_end + 1, header_end + 40}
        | {len(data) // 2, len(data) - 65, len(data) - 64, len(data) - 1}
        | set(range(len(MAGIC), header_end, 7))
    )
    for place in places:
        damaged = bytearray(data)
        damaged[place] ^= 0x01
        with pytest.raises((PackageTampered, NotAPackage, UnknownSigner, NotForThisServer)):
            open_envelope(bytes(damaged), room, trusting(office.public))
    with pytest.raises(PackageTampered):
        open_envelope(data[:-1], room, trusting(office.public))
    with pytest.raises(PackageTampered):
        open_envelope(data + b"\0", room, trusting(office.public))


def test_the_body_and_signature_are_tampering_not_another_error(
    office: Identity, room: Identity
) -> None:
    data = sealed(office, room.public)
    header_end = data.index(b"\n", len(MAGIC))
    for place in range(header_end + 1, len(data), max(1, (len(data) - header_end) // 50)):
        damaged = bytearray(data)
        damaged[place] ^= 0x80
        with pytest.raises(PackageTampered):
            open_envelope(bytes(damaged), room, trusting(office.public))


def test_a_wrong_signer_is_refused(tmp_path: Path, office: Identity, room: Identity) -> None:
    impostor = init_identity(tmp_path / "impostor", "Kantor BKPSDM")
    forged = sealed(impostor, room.public)
    with pytest.raises(UnknownSigner):
        open_envelope(forged, room, trusting(office.public))
    # An impostor who writes the office's fingerprint into the header fails the signature.
    header = read_header(forged)
    swapped = forged.replace(header.sender.encode(), office.fingerprint.encode(), 1)
    with pytest.raises(PackageTampered):
        open_envelope(swapped, room, trusting(office.public))


def test_another_recipient_is_refused(tmp_path: Path, office: Identity, room: Identity) -> None:
    other_room = init_identity(tmp_path / "other", "Lab SMAN 2")
    data = sealed(office, other_room.public)
    with pytest.raises(NotForThisServer) as refused:
        open_envelope(data, room, trusting(office.public))
    assert "another server" in str(refused.value.detail)


def test_not_a_package_and_bad_payloads() -> None:
    with pytest.raises(NotAPackage):
        read_header(b"PK\x03\x04 a zip file")
    with pytest.raises(PackageTampered):
        read_header(MAGIC + b"{not json}\n" + b"x" * 64)
    with pytest.raises(PackageTampered):
        decode_payload(b"not gzip")


async def _counts(db: AsyncSession) -> tuple[int, int]:
    receipts = await db.scalar(select(func.count()).select_from(PackageReceipt))
    events = await db.scalar(select(func.count()).select_from(AuditEvent))
    return int(receipts or 0), int(events or 0)


async def test_refused_imports_write_nothing(
    db: AsyncSession, tmp_path: Path, office: Identity, room: Identity
) -> None:
    actor = Actor.system("test")
    other_room = init_identity(tmp_path / "other", "Lab SMAN 2")
    data = sealed(office, room.public)
    before = await _counts(db)
    with pytest.raises(UnknownSigner):  # not trusted yet
        await import_package(db, data, actor, room)
    row = await keys.trust(db, office.public, actor, role="office")
    trusted = await _counts(db)
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0x01
    for bad, error in (
        (bytes(damaged), PackageTampered),
        (sealed(office, other_room.public), NotForThisServer),
        (b"hello", NotAPackage),
    ):
        with pytest.raises(error):
            await import_package(db, bad, actor, room)
        with pytest.raises(error):
            await preview_package(db, bad, actor, room)
    assert await _counts(db) == trusted == (before[0], before[1] + 1)
    await keys.revoke(db, row.id, actor)
    with pytest.raises(UnknownSigner):
        await import_package(db, data, actor, room)


async def test_trusting_twice_changes_nothing_and_own_key_is_refused(
    db: AsyncSession, office: Identity, room: Identity
) -> None:
    actor = Actor.system("test")
    first = await keys.trust(db, office.public, actor, role="office", name="Kantor")
    again = await keys.trust(db, office.public, actor, role="office")
    assert again.id == first.id and again.name == "Kantor"
    with pytest.raises(keys.OwnKey):
        await keys.trust(db, room.public, actor, role="office", own_fingerprint=room.fingerprint)
    with pytest.raises(keys.InvalidInput):
        await keys.trust(db, room.public, actor, role="server")
