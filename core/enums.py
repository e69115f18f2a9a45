"""Enumerations stored in the database, shared by the models and the domain."""

from __future__ import annotations

from enum import Enum, IntEnum


class Role(str, Enum):
    ADMIN = "ADMIN"
    STAFF = "STAFF"
    USER = "USER"


class StatusKind(str, Enum):
    NEW = "NEW"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    CUSTOM = "CUSTOM"


class Priority(IntEnum):
    """Stored as a small integer so "priority high to low" is a plain ORDER BY."""

    CRITICAL = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4


class LinkType(str, Enum):
    RELATED_TO = "RELATED_TO"
    PARENT_OF = "PARENT_OF"
    CHILD_OF = "CHILD_OF"
    CAUSED_BY = "CAUSED_BY"
    CAUSES = "CAUSES"
    DUPLICATE_OF = "DUPLICATE_OF"
    DUPLICATED_BY = "DUPLICATED_BY"


class OutboxStatus(str, Enum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"
