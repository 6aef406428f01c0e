"""The refusal a kiosk gets when its browser is not the one the sitting requires."""

from __future__ import annotations

from typing import Any

from cact.kit.errors import Conflict, Forbidden, InvalidInput
from cact.lockdown.models import BrowserKind
from cact.lockdown.policy import Reason

REQUIRED = {
    BrowserKind.SEB: (
        "Ujian ini hanya dapat dikerjakan dengan Safe Exam Browser (SEB) memakai konfigurasi "
        "sesi ini. Buka ujian melalui SEB di komputer ini atau panggil pengawas.",
        "This test can only be taken in Safe Exam Browser (SEB) with this sitting's "
        "configuration. Open it through SEB on this computer or call the proctor.",
    ),
    BrowserKind.EXAM_APP: (
        "Ujian ini hanya dapat dikerjakan dengan aplikasi Exam Browser yang dibuka dari tautan "
        "sesi ini. Panggil pengawas.",
        "This test can only be taken in the Exam Browser app opened from this sitting's link. "
        "Call the proctor.",
    ),
}

REASONS = {
    Reason.SEB_REQUIRED: ("Browser ini bukan SEB.", "This browser is not SEB."),
    Reason.CONFIG_KEY_MISMATCH: (
        "SEB memakai konfigurasi lain (Config Key tidak cocok).",
        "SEB runs another configuration (Config Key does not match).",
    ),
    Reason.BROWSER_EXAM_KEY_MISMATCH: (
        "Versi SEB ini tidak diizinkan (Browser Exam Key tidak cocok).",
        "This SEB build is not allowed (Browser Exam Key does not match).",
    ),
    Reason.URL_MISMATCH: (
        "Alamat yang dibuka SEB berbeda dengan alamat server ujian.",
        "SEB opened another address than the exam server's.",
    ),
    Reason.EXAM_APP_REQUIRED: (
        "Browser ini bukan aplikasi Exam Browser.",
        "This browser is not the Exam Browser app.",
    ),
    Reason.EXAM_KEY_INVALID: (
        "Aplikasi tidak dibuka dari tautan sesi ini.",
        "The app was not opened from this sitting's link.",
    ),
    Reason.NOT_CONFIGURED: (
        "Alamat publik server (CACT_PUBLIC_BASE_URL) belum diatur.",
        "The server's public address (CACT_PUBLIC_BASE_URL) is not set.",
    ),
}


def explain(kind: str, reason: str) -> tuple[str, str]:
    need_id, need_en = REQUIRED.get(BrowserKind(kind), REQUIRED[BrowserKind.SEB])
    why_id, why_en = REASONS.get(reason, ("", ""))
    return f"{need_id} {why_id}".strip(), f"{need_en} {why_en}".strip()


class BrowserNotAllowed(Forbidden):
    """Added to kiosk protocol v1 (issue 22): the sitting requires a lockdown browser."""

    code = "browser_not_allowed"
    message = "Browser ini tidak diizinkan untuk sesi ini. / This browser is not allowed here."

    def __init__(self, kind: str, reason: str) -> None:
        self.kind, self.reason = kind, reason
        indonesian, english = explain(kind, reason)
        detail: dict[str, Any] = {
            "required": kind,
            "reason": reason,
            "message": f"{indonesian} / {english}",
            "message_id": indonesian,
            "message_en": english,
        }
        super().__init__(detail)


class PublicBaseUrlMissing(Conflict):
    code = "public_base_url_missing"
    message = (
        "Atur CACT_PUBLIC_BASE_URL (alamat server yang dibuka komputer peserta) sebelum "
        "mewajibkan SEB atau Exam Browser. / Set CACT_PUBLIC_BASE_URL (the address the "
        "workstations open) before requiring SEB or an Exam Browser app."
    )


class InvalidBrowserExamKey(InvalidInput):
    code = "invalid_browser_exam_key"
    message = (
        "Browser Exam Key harus 64 karakter heksadesimal. / "
        "A Browser Exam Key is 64 hexadecimal characters."
    )
