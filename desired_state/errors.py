"""Errors raised on purpose, under one base; and those of bad desired state, before any call to Azure."""

from __future__ import annotations

from typing import ClassVar


class ReconcilerError(Exception):
    """The base of every exception this product raises on purpose (the emulator, a program of its
    own that imports nothing of ours, has its own). `outcome` is the outcome code it stands for (a
    value of `adapters.errors.Reason`), or None where what it wraps decides (an ARM answer)."""

    outcome: ClassVar[str | None] = "internal"


class DesiredStateError(ReconcilerError, ValueError):
    """Bad desired state or settings. The message names the resource (or
    setting), the field, what is wrong and how to fix it, in one line."""

    outcome = "validation"

    def __init__(self, message: str, *, resource: str | None = None, field: str | None = None) -> None:
        self.resource = resource
        self.field = field
        where = ".".join(p for p in (resource, field) if p)
        super().__init__(f"{where}: {message}" if where else message)
