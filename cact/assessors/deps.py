"""The assessor's role: an assessor or a lead assessor (admins manage, they do not rate)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from cact.auth.deps import require_role
from cact.auth.models import StaffUser

AssessorUser = Annotated[StaffUser, Depends(require_role("assessor", "lead_assessor"))]
LeadOrAdmin = Annotated[StaffUser, Depends(require_role("lead_assessor", "admin"))]
