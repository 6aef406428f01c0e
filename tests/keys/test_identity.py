from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from cact.keys.identity import (
    IdentityExists,
    IdentityMissing,
    InvalidKeyFile,
    grouped,
    identity_path,
    init_identity,
    load_identity,
    parse_key_file,
)


def test_init_writes_a_private_file_and_loads_back(tmp_path: Path) -> None:
    made = init_identity(tmp_path, "Kantor")
    path = identity_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    loaded = load_identity(tmp_path)
    assert loaded.fingerprint == made.fingerprint and len(made.fingerprint) == 16
    assert len(grouped(made.fingerprint).split(" ")) == 4
    with pytest.raises(IdentityExists):
        init_identity(tmp_path, "Kantor")
    assert init_identity(tmp_path, "Kantor", force=True).fingerprint != made.fingerprint
    with pytest.raises(IdentityMissing):
        load_identity(tmp_path / "nowhere")


def test_the_key_file_round_trips_and_bad_files_are_named(tmp_path: Path) -> None:
    public = init_identity(tmp_path, "Lab").public
    text = public.to_file()
    assert "private" not in text
    assert parse_key_file(text.encode()) == public
    body = json.loads(text)
    for field, value, where in (
        ("format", "cact-key/0", "format"),
        ("signing_public", "AAAA", "signing_public"),
        ("encryption_public", 5, "encryption_public"),
        ("fingerprint", "0" * 16, "fingerprint"),
        ("name", "", "name"),
    ):
        with pytest.raises(InvalidKeyFile) as refused:
            parse_key_file(json.dumps({**body, field: value}).encode())
        assert where in str(refused.value.detail)
    with pytest.raises(InvalidKeyFile):
        parse_key_file(b"\xff\xfe")
