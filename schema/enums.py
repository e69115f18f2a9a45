"""GraphQL enums. Names match the stored enums member for member, so conversion is by name."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import enum_value

from core.enums import Priority as StoredPriority


@strawberry.enum(description="What an account may do.")
class Role(Enum):
    ADMIN = enum_value("ADMIN", description="Everything, including settings and accounts.")
    STAFF = enum_value("STAFF", description="Works tickets within their groups' scope; opens any ticket by number.")
    USER = enum_value("USER", description="A requester: files tickets and sees only their own.")


@strawberry.enum(description="The behaviour behind a status, kept whatever it is called.")
class StatusKind(Enum):
    NEW = enum_value("NEW", description="A new or reopened ticket waiting for staff.")
    RESOLVED = enum_value("RESOLVED", description="Resolved; the requester may reopen within the window.")
    CLOSED = enum_value("CLOSED", description="Closed; read-only for requesters and guests.")
    CUSTOM = enum_value("CUSTOM", description="A working status defined by admins.")


@strawberry.enum(description="How urgent a ticket is.")
class Priority(Enum):
    CRITICAL = enum_value("CRITICAL", description="Service down for many people.")
    HIGH = enum_value("HIGH", description="Serious impact, needs attention soon.")
    MEDIUM = enum_value("MEDIUM", description="The default.")
    LOW = enum_value("LOW", description="Whenever there is time.")


def to_graphql(enum_type: type[Enum], value: Enum | str | int) -> Enum:
    """Stored enum member (or its raw value) -> the GraphQL enum member of the same name."""
    if isinstance(value, Enum):
        return enum_type[value.name]
    if isinstance(value, int):
        return enum_type[StoredPriority(value).name]
    return enum_type[value]
