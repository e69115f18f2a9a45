"""Expected failures. The schema turns them into payload errors; they are never 500s."""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    VALIDATION = "VALIDATION"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    RATE_LIMITED = "RATE_LIMITED"


class DomainError(Exception):
    """A rule said no. `field` names the input field (camelCase, as the client sent it) when there is one."""

    def __init__(
        self, code: ErrorCode, message: str, field: str | None = None, *, more: list[DomainError] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.more = more or []

    @property
    def all(self) -> list[DomainError]:
        """This error and any reported with it (validation reports every bad field at once)."""
        return [self, *self.more]


def validation(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, field)


def forbidden(message: str = "You do not have permission to do this.") -> DomainError:
    return DomainError(ErrorCode.FORBIDDEN, message)


def not_found(what: str, field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"{what} was not found.", field)


def conflict(message: str, field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.CONFLICT, message, field)


class Problems:
    """Collects validation errors so one request reports every bad field, then raises them together."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(validation(field, message))

    def about(self, *fields: str) -> bool:
        """Whether a problem was already recorded for any of these fields."""
        return any(error.field in fields for error in self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            first, *rest = self.errors
            raise DomainError(first.code, first.message, first.field, more=rest)
