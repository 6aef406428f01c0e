"""The kiosk protocol's errors (SPEC §3.8): 401, 403, 404, 409, 422, 429."""

from __future__ import annotations

from cact.kit.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)


class KioskUnauthorized(Unauthorized):
    code = "kiosk_session_invalid"
    message = (
        "Sesi ujian ini tidak berlaku lagi; silakan masuk kembali atau hubungi pengawas. / "
        "This kiosk session is no longer valid; log in again or call the proctor."
    )


class LoginRefused(Unauthorized):
    code = "login_refused"
    message = (
        "Nomor peserta, token, atau data verifikasi salah. / "
        "Wrong participant number, token or verification."
    )


class AlreadyLoggedIn(Conflict):
    code = "already_logged_in"
    message = (
        "Peserta sudah masuk di komputer lain. Minta pengawas mereset login. / "
        "Already logged in elsewhere. Ask the proctor to reset the login."
    )


class TooManyKioskLogins(TooManyRequests):
    code = "too_many_login_tries"
    message = "Terlalu banyak percobaan; tunggu sebentar. / Too many tries; wait a moment."


class NotYourAttempt(Forbidden):
    code = "not_your_attempt"
    message = "Butir ini bukan milik sesi Anda. / This belongs to another attempt."


class UnknownAttemptItem(NotFound):
    code = "unknown_item"
    message = "Butir soal tidak ada dalam ujian ini. / No such item in this attempt."


class UnknownSection(NotFound):
    code = "unknown_section"
    message = "Bagian tidak ada dalam ujian ini. / No such section in this attempt."


class SectionClosed(Conflict):
    code = "section_closed"
    message = "Bagian ini sudah ditutup. / This section is closed."


class SectionNotStarted(Conflict):
    code = "section_not_started"
    message = "Bagian ini belum dimulai. / This section has not started."


class AttemptNotStarted(Conflict):
    code = "attempt_not_started"
    message = "Ujian belum dimulai. / The attempt has not started."


class SittingNotRunning(Conflict):
    code = "sitting_not_running"
    message = "Sesi ujian belum dibuka atau sudah ditutup. / The sitting is not open."


class InvalidOption(InvalidInput):
    code = "invalid_option"
    message = "Pilihan jawaban tidak ada pada butir ini. / That option is not on this item."


class AttemptPaused(Conflict):
    """Added to protocol v1 (issue 13): the proctor paused this attempt or the whole room."""

    code = "attempt_paused"
    message = (
        "Ujian sedang dijeda oleh pengawas; tunggu sampai dilanjutkan. / "
        "The proctor has paused the test; wait until it resumes."
    )


class SittingNotStarted(Conflict):
    """Added to protocol v1 (issue 13): logged in and ready, but the proctor has not started."""

    code = "sitting_not_started"
    message = (
        "Pengawas belum memulai ujian; tunggu sebentar. / "
        "The proctor has not started the test yet; please wait."
    )


# Issue 13: a refused kiosk login says which fact was wrong (each still counts as a failure).
class UnknownParticipant(LoginRefused):
    code = "unknown_participant"
    message = (
        "Nomor peserta tidak terdaftar pada sesi yang dibuka. Tanyakan kepada pengawas. / "
        "This participant number is not on the roster of an open sitting."
    )


class InvalidToken(LoginRefused):
    code = "invalid_token"
    message = (
        "Token salah atau sudah tidak berlaku. Tanyakan token terbaru kepada pengawas. / "
        "Wrong or expired token; ask the proctor for the current one."
    )


class SecretRequired(LoginRefused):
    code = "secret_required"
    message = "Isi tanggal lahir atau PIN Anda. / Enter your birth date or PIN."


class SecretInvalid(LoginRefused):
    code = "secret_invalid"
    message = "Tanggal lahir atau PIN salah. / Wrong birth date or PIN."


class SittingNotOpen(LoginRefused):
    status = 409
    code = "sitting_not_open"
    message = (
        "Sesi ujian belum dibuka. Tunggu arahan pengawas. / "
        "The sitting is not open yet; wait for the proctor."
    )


class SittingAlreadyClosed(LoginRefused):
    status = 409
    code = "sitting_closed"
    message = "Sesi ujian sudah ditutup. / The sitting is closed."
