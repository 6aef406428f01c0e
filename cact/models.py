"""Every table, imported in one place so that Alembic and the tests see the whole schema."""

from cact.analysis.models import ItemCalibration, ItemStatistic
from cact.assessors.models import (
    AssessmentMethod,
    AssessorAssignment,
    AssessorRating,
    Integration,
    IntegrationLevel,
    IntegrationRule,
    MethodWeight,
)
from cact.audit.models import AuditEvent
from cact.auth.models import StaffSession, StaffUser
from cact.bank.models import Item, ItemOption, ItemVersion, Media
from cact.blueprints.models import Blueprint, BlueprintSection
from cact.competencies.models import Competency, CompetencyLevel
from cact.exam.models import (
    AnswerLog,
    Attempt,
    AttemptItem,
    AttemptSection,
    Enrollment,
    Response,
    Sitting,
    SittingProctor,
)
from cact.keys.models import TrustedKey
from cact.kit.db import Base
from cact.kit.ratelimit import RateLimitBucket
from cact.lockdown.models import BrowserPolicy, BrowserRefusal
from cact.packages.models import (
    PackageReceipt,
    PackageRefusal,
    PackageUpload,
    PackageUploadChunk,
    ResultsSource,
    SentPackage,
)
from cact.participants.models import Participant
from cact.programmes.models import Programme, ProgrammeMember
from cact.rooms.models import Room, Seat
from cact.scoring.models import Result, ResultCompetency, ScoringPolicy
from cact.standards.models import CompetencyStandard, Position

__all__ = [
    "AnswerLog",
    "AssessmentMethod",
    "AssessorAssignment",
    "AssessorRating",
    "Attempt",
    "AttemptItem",
    "AttemptSection",
    "AuditEvent",
    "Base",
    "Blueprint",
    "BlueprintSection",
    "BrowserPolicy",
    "BrowserRefusal",
    "Competency",
    "CompetencyLevel",
    "CompetencyStandard",
    "Enrollment",
    "Integration",
    "IntegrationLevel",
    "IntegrationRule",
    "Item",
    "ItemCalibration",
    "ItemOption",
    "ItemStatistic",
    "ItemVersion",
    "Media",
    "MethodWeight",
    "PackageReceipt",
    "PackageRefusal",
    "PackageUpload",
    "PackageUploadChunk",
    "Participant",
    "Position",
    "Programme",
    "ProgrammeMember",
    "RateLimitBucket",
    "Response",
    "Result",
    "ResultCompetency",
    "ResultsSource",
    "Room",
    "ScoringPolicy",
    "Seat",
    "SentPackage",
    "Sitting",
    "SittingProctor",
    "StaffSession",
    "StaffUser",
    "TrustedKey",
]
