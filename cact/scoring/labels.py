"""A result's category as people read it: the label of its band in the policy's scale."""

from __future__ import annotations

from typing import Any

from cact.scoring.models import ScoringPolicy


def bands(policy: ScoringPolicy | None, scale: str) -> list[dict[str, Any]]:
    if policy is None:
        return []
    bands = (policy.body.get("category_scales") or {}).get(scale) or []
    return [b for b in bands if isinstance(b, dict)]


def stored_scale(policy: ScoringPolicy | None) -> str | None:
    return None if policy is None else policy.body.get("category_scale")


def label(policy: ScoringPolicy | None, scale: str, code: str) -> tuple[str, str]:
    band = next((b for b in bands(policy, scale) if b.get("code") == code), None)
    if band is None:
        return code, code
    return str(band.get("label_id") or code), str(band.get("label_en") or code)
