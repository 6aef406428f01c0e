from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Identity, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cact.kit.db import Base, CreatedAt
from cact.kit.timezones import DEFAULT_ZONE


class Room(CreatedAt, Base):
    __tablename__ = "room"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    # IANA name; every time shown or typed for the room's sittings is on this zone's clock.
    time_zone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_ZONE, server_default=DEFAULT_ZONE
    )

    seats: Mapped[list[Seat]] = relationship(
        lazy="raise", order_by="(Seat.grid_row, Seat.grid_col)", cascade="all, delete-orphan"
    )


class Seat(Base):
    __tablename__ = "seat"
    __table_args__ = (UniqueConstraint("room_id", "label"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(32))
    grid_row: Mapped[int]  # where the tile sits on the dashboard, like the room
    grid_col: Mapped[int]
    workstation_ip: Mapped[str | None] = mapped_column(String(64))
