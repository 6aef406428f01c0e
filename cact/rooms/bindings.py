"""Workstation IPs bound in bulk: "seat label, IP" lines pasted or uploaded as a CSV, applied
whole or not at all, with every bad line named."""

from __future__ import annotations

import csv
import ipaddress
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.kit.errors import CactError
from cact.rooms.models import Room, Seat
from cact.rooms.schemas import BindingLine

MAX_LINES = 2_000
MAX_IP_CHARS = 45  # the longest written IPv6 address
HEADER_WORDS = {"kursi", "seat", "label", "seat_label", "ip", "workstation_ip", "alamat_ip"}
UNBIND = {"", "-", "—"}

MESSAGES: dict[str, tuple[str, str]] = {
    "no_lines": (
        "Tidak ada baris. Tulis satu kursi per baris: label kursi, alamat IP.",
        "No lines. Write one seat per line: seat label, IP address.",
    ),
    "too_many_lines": (
        "Terlalu banyak baris (paling banyak {limit}).",
        "Too many lines (at most {limit}).",
    ),
    "bad_shape": (
        'Baris ini harus berisi dua isian: label kursi, alamat IP (misalnya "A01, 10.0.0.11").',
        'This line must hold two fields: seat label, IP address (e.g. "A01, 10.0.0.11").',
    ),
    "unknown_seat": (
        'Kursi "{seat}" tidak ada di ruangan ini.',
        'Seat "{seat}" is not in this room.',
    ),
    "bad_ip": (
        '"{ip}" bukan alamat IP (misalnya 10.0.0.11 atau fd00::11).',
        '"{ip}" is not an IP address (e.g. 10.0.0.11 or fd00::11).',
    ),
    "seat_twice": (
        'Kursi "{seat}" sudah ada di baris {other}.',
        'Seat "{seat}" is already on line {other}.',
    ),
    "ip_twice": (
        "Alamat IP {ip} sudah ada di baris {other}.",
        "IP address {ip} is already on line {other}.",
    ),
    "ip_taken": (
        "Alamat IP {ip} masih terikat ke kursi {other}; ubah kursi itu juga di daftar ini.",
        "IP address {ip} is still bound to seat {other}; change that seat in this list too.",
    ),
    "unreadable": (
        "Berkas tidak dapat dibaca sebagai teks UTF-8.",
        "The file cannot be read as UTF-8 text.",
    ),
}


@dataclass(frozen=True)
class BindingProblem:
    line: int | None
    seat: str | None
    ip: str | None
    code: str
    message_id: str
    message_en: str

    def message(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message_id


def problem(
    code: str, line: int | None, seat: str | None = None, ip: str | None = None, **values: object
) -> BindingProblem:
    indonesian, english = MESSAGES[code]
    fill = {"seat": seat, "ip": ip, **values}
    return BindingProblem(line, seat, ip, code, indonesian.format(**fill), english.format(**fill))


class BindingsRefused(CactError):
    status = 422
    code = "workstation_ips_refused"
    message = "Tidak ada yang disimpan. / Nothing was saved."

    def __init__(self, problems: list[BindingProblem]) -> None:
        super().__init__(
            [
                {
                    "line": p.line,
                    "seat": p.seat,
                    "ip": p.ip,
                    "code": p.code,
                    "message": p.message_en,
                    "message_id": p.message_id,
                }
                for p in problems
            ]
        )
        self.problems = problems


def _delimiter(line: str) -> str:
    for candidate in ("\t", ";", ","):
        if candidate in line:
            return candidate
    return " "


def parse_text(text: str) -> tuple[list[BindingLine], list[BindingProblem]]:
    """Lines of "label, IP" (comma, semicolon, tab or space between); blank lines and lines
    starting with # are skipped, and so is a header line naming the columns."""
    found: list[BindingLine] = []
    problems: list[BindingProblem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        delimiter = _delimiter(line)
        fields = [f.strip() for f in next(csv.reader([line], delimiter=delimiter))]
        fields = [f for f in fields if f] if delimiter == " " else fields
        if number == 1 and {f.casefold() for f in fields} <= HEADER_WORDS | {""}:
            continue
        if len(fields) == 1:
            fields.append("")
        if len(fields) != 2 or not fields[0]:
            problems.append(problem("bad_shape", number, seat=fields[0] or None))
            continue
        found.append(BindingLine.model_construct(line=number, seat=fields[0], ip=fields[1] or None))
    return found, problems


def decode_file(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _check(
    room: Room, lines: list[BindingLine]
) -> tuple[dict[Seat, str | None], list[BindingProblem]]:
    seats = {s.label.casefold(): s for s in room.seats}
    problems: list[BindingProblem] = []
    wanted: dict[Seat, str | None] = {}
    seat_line: dict[int, int | None] = {}
    ip_line: dict[str, int | None] = {}
    for entry in lines:
        seat = seats.get(entry.seat.casefold())
        ip = None
        if entry.ip is not None and entry.ip not in UNBIND:
            try:
                # A scoped IPv6 address (fe80::1%eth0) names the server's interface, not a seat.
                if "%" in entry.ip or len(entry.ip) > MAX_IP_CHARS:
                    raise ValueError(entry.ip)
                ip = str(ipaddress.ip_address(entry.ip))
            except ValueError:
                problems.append(problem("bad_ip", entry.line, entry.seat, entry.ip))
                continue
        if seat is None:
            problems.append(problem("unknown_seat", entry.line, entry.seat, entry.ip))
            continue
        if seat.id in seat_line:
            problems.append(
                problem("seat_twice", entry.line, entry.seat, entry.ip, other=seat_line[seat.id])
            )
            continue
        if ip is not None and ip in ip_line:
            problems.append(problem("ip_twice", entry.line, entry.seat, ip, other=ip_line[ip]))
            continue
        seat_line[seat.id] = entry.line
        if ip is not None:
            ip_line[ip] = entry.line
        wanted[seat] = ip
    for entry_seat, ip in wanted.items():
        holder = next(
            (
                s
                for s in room.seats
                if ip is not None and s.workstation_ip == ip and s not in wanted
            ),
            None,
        )
        if holder is not None:
            line = seat_line[entry_seat.id]
            problems.append(problem("ip_taken", line, entry_seat.label, ip, other=holder.label))
    return wanted, problems


async def bind_many(
    db: AsyncSession,
    room: Room,
    lines: list[BindingLine],
    actor: Actor,
    *,
    early: list[BindingProblem] | None = None,
) -> int:
    """Every line applied, or none (``BindingsRefused`` lists every bad one). Returns how many
    seats changed."""
    problems = list(early or [])
    if not lines and not problems:
        problems.append(problem("no_lines", None))
    if len(lines) > MAX_LINES:
        problems.append(problem("too_many_lines", None, limit=MAX_LINES))
    wanted, found = _check(room, lines)
    problems += found
    if problems:
        raise BindingsRefused(sorted(problems, key=lambda p: (p.line or 0, p.code)))
    changed = {seat: ip for seat, ip in wanted.items() if seat.workstation_ip != ip}
    # Clear first, then set: two seats may swap their IPs in one list.
    for seat in changed:
        seat.workstation_ip = None
    await db.flush()
    for seat, ip in changed.items():
        seat.workstation_ip = ip
    await db.flush()
    if changed:
        await audit.record(
            db,
            actor,
            "room.bind_ips",
            target_type="room",
            target_id=room.id,
            details={"room": room.code, "seats": {s.label: ip for s, ip in changed.items()}},
        )
    return len(changed)
