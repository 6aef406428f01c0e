from __future__ import annotations

from sqlalchemy import Select, select

from cact.audit.models import AuditEvent
from cact.audit.schemas import AuditFilter
from cact.kit.repository import Repository


class AuditRepository(Repository[AuditEvent]):
    model = AuditEvent

    def filtered(self, f: AuditFilter) -> Select[AuditEvent]:
        statement = self.select().order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        if f.action:
            statement = statement.where(AuditEvent.action == f.action)
        if f.actor:
            statement = statement.where(AuditEvent.actor_name == f.actor)
        if f.actor_kind:
            statement = statement.where(AuditEvent.actor_kind == f.actor_kind)
        if f.target_type:
            statement = statement.where(AuditEvent.target_type == f.target_type)
        if f.target_id:
            statement = statement.where(AuditEvent.target_id == f.target_id)
        if f.sitting_id is not None:
            statement = statement.where(AuditEvent.sitting_id == f.sitting_id)
        if f.since:
            statement = statement.where(AuditEvent.occurred_at >= f.since)
        if f.until:
            statement = statement.where(AuditEvent.occurred_at < f.until)
        return statement

    async def distinct_values(self, column: str) -> list[str]:
        """Every action (or target type) the log holds: the audit page's filter choices."""
        field = getattr(AuditEvent, column)
        statement = select(field).where(field.is_not(None)).distinct().order_by(field).limit(500)
        return [str(v) for v in (await self.session.scalars(statement)).all()]
