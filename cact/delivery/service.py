"""The attempt's life: login, start, sections, answers, submit, finish, and the deadline."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.auth.passwords import verify_password
from cact.delivery.errors import (
    AlreadyLoggedIn,
    AttemptNotStarted,
    AttemptPaused,
    InvalidToken,
    LoginRefused,
    SecretInvalid,
    SecretRequired,
    SectionClosed,
    SectionNotStarted,
    SittingAlreadyClosed,
    SittingNotOpen,
    UnknownParticipant,
    UnknownSection,
)
from cact.exam import clock
from cact.exam import service as exam
from cact.exam.models import Attempt, AttemptSection
from cact.exam.repository import (
    AttemptRepository,
    SectionRepository,
)
from cact.exam.service import AttemptClosed
from cact.exam.statuses import CLOSED_ATTEMPT, AttemptStatus, SectionStatus, SittingStatus
from cact.exam.tokens import kiosk_address_key, kiosk_login_key, normalise
from cact.kit.ratelimit import Key
from cact.participants.models import Participant
from cact.scoring.closing import close_and_score, score_closed

REFUSAL_AUDIT_EVERY = timedelta(minutes=1)
__all__ = ["kiosk_address_key", "kiosk_login_key"]


def login_keys(participant_no: str, ip: str | None) -> tuple[Key, ...]:
    """What a kiosk login is throttled by: the participant at this address, and the address."""
    return (kiosk_login_key(participant_no, ip), kiosk_address_key(ip))


@dataclass(frozen=True)
class AttemptRef:
    """The attempt as every kiosk call sees it: plain columns, read in one cheap query."""

    id: int
    sitting_id: int
    participant_id: int
    status: str
    paused: bool
    last_ip: str | None


@dataclass(frozen=True)
class KioskContext:
    """The attempt behind a kiosk token, with its sitting's status."""

    attempt: AttemptRef
    sitting_status: str


@dataclass(frozen=True)
class KioskLogin:
    token: str
    attempt: Attempt
    participant: Participant


class SittingTokens(Protocol):
    """What the token check reads of a sitting (the ORM row or the quick login's row)."""

    @property
    def token(self) -> str | None: ...
    @property
    def previous_token(self) -> str | None: ...
    @property
    def previous_token_valid_until(self) -> datetime | None: ...


class SecondFactor(Protocol):
    @property
    def pin_hash(self) -> str | None: ...
    @property
    def birth_date(self) -> date | None: ...


def session_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_valid(sitting: SittingTokens, given: str, now: datetime) -> bool:
    token = normalise(given)
    if sitting.token and secrets.compare_digest(token, sitting.token):
        return True
    grace = sitting.previous_token_valid_until
    return bool(
        sitting.previous_token
        and grace is not None
        and now <= grace
        and secrets.compare_digest(token, sitting.previous_token)
    )


async def second_factor_ok(participant: SecondFactor, secret: str | None) -> bool:
    if participant.pin_hash is not None:
        return secret is not None and await verify_password(participant.pin_hash, secret)
    if participant.birth_date is not None:
        return secret is not None and _as_date(secret) == participant.birth_date
    return True


def _as_date(text: str) -> date | None:
    """Birth dates as people type them: 1985-03-30, 30-03-1985, 30/03/1985, 30.03.1985."""
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


async def login(
    db: AsyncSession,
    *,
    participant_no: str,
    token: str,
    secret: str | None,
    ip: str | None,
    now: datetime,
) -> KioskLogin:
    """Decide and record a kiosk login that the caller's limiter has admitted (and counted as a
    failure until it turns out right)."""
    repository = AttemptRepository(db)
    found = await repository.for_login(participant_no.strip())
    if found is None:
        raise _no_open_sitting(await repository.latest_sitting_status(participant_no))
    attempt, participant, sitting = found
    if not token_valid(sitting, token, now):
        await exam.attempt_changed(db, attempt, "login_failed")  # the tile shows the count
        raise InvalidToken()
    if not await second_factor_ok(participant, secret):
        await exam.attempt_changed(db, attempt, "login_failed")
        raise SecretRequired() if not (secret or "").strip() else SecretInvalid()
    if attempt.status in CLOSED_ATTEMPT:
        raise AttemptClosed()
    if attempt.kiosk_session_hash is not None:
        # Logging in elsewhere needs the proctor: the dashboard shows this request, recorded
        # at most once a minute per participant (one atomic update decides which try).
        if not await repository.mark_reset_requested(attempt.id, now, REFUSAL_AUDIT_EVERY):
            raise AlreadyLoggedIn()
        await audit.record(
            db,
            Actor.participant(participant.id, participant.participant_no, ip),
            "attempt.login_refused_active_session",
            target_type="attempt",
            target_id=attempt.id,
            sitting_id=attempt.sitting_id,
        )
        await exam.attempt_changed(db, attempt, "reset_requested")
        raise AlreadyLoggedIn()
    kiosk_token = secrets.token_urlsafe(32)
    attempt.kiosk_session_hash = session_hash(kiosk_token)
    attempt.kiosk_session_started_at = attempt.last_seen_at = now
    attempt.last_ip, attempt.reset_requested_at = ip, None
    await db.flush()
    await audit.record(
        db,
        Actor.participant(participant.id, participant.participant_no, ip),
        "attempt.login",
        target_type="attempt",
        target_id=attempt.id,
        sitting_id=attempt.sitting_id,
    )
    await exam.attempt_changed(db, attempt, "login")
    return KioskLogin(kiosk_token, attempt, participant)


def _no_open_sitting(status: str | None) -> LoginRefused:
    """Why a number finds no sitting open for login: not on any roster, too early, too late."""
    if status == SittingStatus.SCHEDULED:
        return SittingNotOpen()
    if status == SittingStatus.CLOSED:
        return SittingAlreadyClosed()
    return UnknownParticipant()


async def logout(db: AsyncSession, context: KioskContext, ip: str | None) -> None:
    attempt = await AttemptRepository(db).for_update(context.attempt.id)
    assert attempt is not None
    attempt.kiosk_session_hash = None
    await db.flush()
    await audit.record(
        db,
        _participant(attempt),
        "attempt.logout",
        target_type="attempt",
        target_id=attempt.id,
        sitting_id=attempt.sitting_id,
    )
    await exam.attempt_changed(db, attempt, "logout")


def _current(sections: list[AttemptSection]) -> AttemptSection | None:
    return next((s for s in sections if s.status == SectionStatus.OPEN), None)


def _participant(attempt: Attempt) -> Actor:
    return Actor("participant", attempt.participant_id, f"attempt {attempt.id}", attempt.last_ip)


async def _locked(db: AsyncSession, context: KioskContext) -> tuple[Attempt, list[AttemptSection]]:
    attempt = await AttemptRepository(db).for_update(context.attempt.id)
    assert attempt is not None
    if attempt.status in CLOSED_ATTEMPT:
        raise AttemptClosed()
    if attempt.status == AttemptStatus.NOT_STARTED:
        raise AttemptNotStarted()
    if attempt.paused or await AttemptRepository(db).sitting_paused(attempt.sitting_id):
        raise AttemptPaused()
    return attempt, await SectionRepository(db).of_attempt(attempt.id, lock=True)


async def submit_section(
    db: AsyncSession, context: KioskContext, section_id: int, now: datetime
) -> Attempt:
    attempt, sections = await _locked(db, context)
    section = next((s for s in sections if s.id == section_id), None)
    if section is None:
        raise UnknownSection()
    if section.status != SectionStatus.OPEN:
        raise SectionClosed() if section.status == SectionStatus.CLOSED else SectionNotStarted()
    ending = _advance_past(sections, section, now, "submitted")
    await db.flush()
    await audit.record(
        db,
        _participant(attempt),
        "section.submit",
        target_type="attempt_section",
        target_id=section.id,
        sitting_id=attempt.sitting_id,
    )
    if ending:  # the last section: the participant finished the attempt
        await close_and_score(db, attempt, now, ending, "finished")
    else:
        await exam.attempt_changed(db, attempt, "section")
    return attempt


async def finish(db: AsyncSession, context: KioskContext, now: datetime) -> Attempt:
    attempt, sections = await _locked(db, context)
    exam.close_sections(sections, now, "finished")
    await audit.record(
        db,
        _participant(attempt),
        "attempt.finish",
        target_type="attempt",
        target_id=attempt.id,
        sitting_id=attempt.sitting_id,
    )
    await close_and_score(db, attempt, now, AttemptStatus.SUBMITTED, "finished")
    return attempt


def _advance_past(
    sections: list[AttemptSection], section: AttemptSection, now: datetime, reason: str
) -> str | None:
    """Close ``section``; the next one begins its break (or, with none, its clock). After the
    last, return the status the attempt closes with."""
    clock.close_section(section, now, reason)
    following = next(
        (
            s
            for s in sections
            if s.position > section.position and s.status == SectionStatus.PENDING
        ),
        None,
    )
    if following is not None:
        clock.follow(following, now)
        return None
    return AttemptStatus.EXPIRED if reason == "deadline" else AttemptStatus.SUBMITTED


def _sweep_attempt(
    sections: list[AttemptSection], now: datetime, grace: timedelta
) -> tuple[list[int], list[int], str | None]:
    """Move one attempt on as far as the clock says, with no kiosk: close overdue sections,
    open the next one whose break is over. Returns (closed, opened, the closing status)."""
    closed: list[int] = []
    opened: list[int] = []
    while True:
        section = _current(sections)
        if section is not None and clock.overdue(section, now, grace):
            closed.append(section.id)
            ending = _advance_past(sections, section, now, "deadline")
            if ending:
                return closed, opened, ending
            continue
        waiting = next((s for s in sections if clock.in_break(s)), None)
        if section is None and waiting is not None and clock.break_over(waiting, now):
            clock.open_section(waiting, now)
            opened.append(waiting.id)
            continue
        return closed, opened, None


async def expire_overdue(
    db: AsyncSession, attempt_ids: list[int], now: datetime, grace: timedelta
) -> list[int]:
    """The sweeper's batch: close the overdue sections of these attempts (skipping any another
    worker holds), open the sections whose break is over, close the attempts whose last
    section ended, score those in one pass — each step once for the whole batch (a flush, an
    INSERT of the audit events, one event per room). Returns the attempts this call advanced."""
    attempts = await AttemptRepository(db).lock_free_ones(attempt_ids)
    sections_of_attempt = await SectionRepository(db).of_attempts([a.id for a in attempts])
    advanced: list[int] = []
    closing: list[tuple[Attempt, str]] = []
    moved: list[Attempt] = []
    events: list[AuditEvent] = []
    for attempt in attempts:
        sections = sections_of_attempt.get(attempt.id, [])
        closed_sections, opened_sections, ending = _sweep_attempt(sections, now, grace)
        if not closed_sections and not opened_sections:
            continue  # another worker moved it a moment ago, or it was extended or paused
        advanced.append(attempt.id)
        if closed_sections:
            events.append(
                audit.event_of(
                    Actor.system("deadline"),
                    "section.expire",
                    target_type="attempt",
                    target_id=attempt.id,
                    sitting_id=attempt.sitting_id,
                    details={
                        "sections": closed_sections,
                        "attempt_status": ending or attempt.status,
                    },
                )
            )
        if opened_sections:
            events.append(
                audit.event_of(
                    Actor.system("break"),
                    "section.start_after_break",
                    target_type="attempt",
                    target_id=attempt.id,
                    sitting_id=attempt.sitting_id,
                    details={"sections": opened_sections},
                )
            )
        if ending:
            closing.append((attempt, ending))
        else:
            moved.append(attempt)
    await audit.record_all(db, events)  # with the sections' changes: one flush for the batch
    await exam.close_attempts(db, closing, now, "deadline")
    await exam.attempts_changed(db, moved, "section")
    await score_closed(db, [attempt.id for attempt, _ in closing], "deadline")
    return advanced


def utcnow() -> datetime:
    return datetime.now(UTC)
