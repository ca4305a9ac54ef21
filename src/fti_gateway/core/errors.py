"""Diagnostic errors (after pip's ``DiagnosticPipError``).

Every error says what went wrong, *where* (a file and line, a field path) and, where we
can, what to do about it. The CLI catches :class:`FtiError` once and maps it to an exit
code; the service renders the same fields as JSON. Users never see a bare traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FtiError(Exception):
    """Base error: ``message`` is one sentence a disclosure officer understands."""

    message: str
    where: str | None = None
    hint: str | None = None
    details: list[str] = field(default_factory=list)
    exit_code: int = 1

    def __str__(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        lines = [head, *(f"  {d}" for d in self.details)]
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The same error as the API returns it."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "where": self.where,
            "hint": self.hint,
            "details": self.details,
        }


@dataclass
class InputError(FtiError):
    """Input that cannot be read or does not follow its format (exit 2, like a usage error)."""

    exit_code: int = 2


@dataclass
class NotFoundError(FtiError):
    """A named thing (workspace, request, run, file) does not exist."""

    exit_code: int = 3


@dataclass
class IntegrityError(FtiError):
    """Stored data failed a check: a ledger, a signature or a hash does not verify."""

    exit_code: int = 4


@dataclass
class ConfigError(FtiError):
    """A registry or setting is invalid."""

    exit_code: int = 5


@dataclass
class BusyError(FtiError):
    """Another command holds the resource (the ledger, say); trying again later works
    (exit 6), unlike the other errors, which repeat until something is changed."""

    exit_code: int = 6
