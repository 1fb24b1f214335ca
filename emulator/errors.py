"""Errors of the emulator: ARM error answers and an unusable state file."""

from __future__ import annotations

from pathlib import Path


class ArmError(Exception):
    """An ARM error answer: HTTP status plus the ``{"error": {...}}`` body fields."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.headers = headers or {}


class EmulatorStateError(Exception):
    """The state file is corrupt or unreadable; says which file and how to fix it."""

    def __init__(self, path: Path | str, reason: str, *, advice: str | None = None) -> None:
        if advice is None:
            lowered = reason.lower()
            if "locked" in lowered or "busy" in lowered:
                # Never "reset" here: the file is fine, and a reset would wipe the estate.
                advice = ("another process is using it (a served emulator or another reconcile run); "
                          "wait for it to finish or stop it, then run again")
            else:
                advice = (f"restore it from a copy, or recreate it (the emulated estate is lost) with: "
                          f"reconcile emulator reset --state {path}")
        super().__init__(f"emulator state file {path} is unusable ({reason}); {advice}")
        self.path = Path(path)


class ConnectionDropped(ConnectionError):
    """Injected fault: the connection is dropped before any response."""


class RequestTimedOut(TimeoutError):
    """Injected fault: the request hung longer than the caller's timeout."""
