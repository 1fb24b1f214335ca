"""Errors raised for bad desired state, before any call to Azure."""

from __future__ import annotations


class DesiredStateError(ValueError):
    """Bad desired state or settings. The message names the resource (or
    setting), the field, what is wrong and how to fix it, in one line."""

    def __init__(self, message: str, *, resource: str | None = None, field: str | None = None) -> None:
        self.resource = resource
        self.field = field
        where = ".".join(p for p in (resource, field) if p)
        super().__init__(f"{where}: {message}" if where else message)
