"""The audit event as a fragment of a one-statement change (the kiosk's hot path, see
docs/development.md): a data-modifying CTE that records one event per row of its source, so the
event is written exactly when the change is, in the same statement."""

from __future__ import annotations


def participant_event(
    source: str,
    *,
    actor_id: str,
    actor_name: str,
    action: str,
    target_type: str,
    target_id: str,
    sitting_id: str,
    ip: str,
) -> str:
    """``INSERT … SELECT … FROM source``; the keyword arguments are SQL expressions over
    ``source`` (``action`` and ``target_type`` are literals)."""
    return f"""INSERT INTO audit_event (actor_kind, actor_id, actor_name, action, target_type,
                             target_id, details, sitting_id, ip)
    SELECT 'participant', {actor_id}, {actor_name}, '{action}', '{target_type}', {target_id},
           '{{}}'::jsonb, {sitting_id}, {ip}
    FROM {source}
    RETURNING 1"""
